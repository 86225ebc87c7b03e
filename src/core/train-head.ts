import { createClassBalancedSampler } from './class-balanced-sampler.js';
import { Random } from './random.js';
import { histogramOf, type HistogramSummary } from './histogram.js';
import { chooseLogitTracker, GramLogits, prefersGram, StreamedLogits, type LogitTracker, type LogitTrackerChooser, type VectorAt } from './logit-trackers.js';
import { argmax, createHead, softmaxInPlace, softmaxInto, type SoftmaxHead } from './softmax-head.js';

export interface LabelledVectors {
  vectors: Float32Array[];
  labels: number[];
}

/** Labelled vectors read by index when needed (from the cache): a data set larger than memory trains too. */
export interface IndexedVectors {
  labels: number[];
  vector: VectorAt;
}

export interface TrainParams {
  steps: number;
  learningRate: number;
  batchSize: number;
  evalStepInterval: number;
  /** -1: the whole validation set at every evaluation. */
  validationBatchSize: number;
  seed: number;
}

/** One evaluation line, as the original logs it every eval_step_interval steps and on the last step. */
export interface EvalPoint {
  step: number;
  trainAccuracy: number;
  crossEntropy: number;
  /** Undefined when there are no validation images. */
  validationAccuracy?: number;
  validationCrossEntropy?: number;
  validationCount: number;
}

export interface TrainResult {
  head: SoftmaxHead;
  log: EvalPoint[];
  /** Weight and bias histograms at about ten points of the training, for TensorBoard. */
  histograms: HistogramSummary[];
}

/**
 * Trains a softmax head exactly as retrain.py does (truncated-normal init with stddev 0.001, zero bias,
 * plain SGD, class-balanced batches), deterministically from `params.seed`, or from `warmStart`'s weights.
 */
export function trainHead(
  train: LabelledVectors | IndexedVectors,
  validation: LabelledVectors | IndexedVectors,
  numClasses: number,
  params: TrainParams,
  onEval?: (point: EvalPoint) => void,
  warmStart?: SoftmaxHead,
  /** Picks the logit engine; a caller holding the vectors' Gram matrix passes one that reuses it. */
  trackerFor: LogitTrackerChooser = chooseLogitTracker,
): TrainResult {
  if (train.labels.length === 0) throw new Error('no training images');
  const featureSize = ('vectors' in train ? train.vectors[0]! : train.vector(0)).length;
  const random = new Random(params.seed);
  const initial = warmStart ?? createHead(featureSize, numClasses, () => random.truncatedNormal(0.001));
  const engine = logitTrackerFor(initial.weights, numClasses, train, validation, params, trackerFor);
  const biases = Float64Array.from(initial.biases);
  const trainSampler = createClassBalancedSampler(train.labels, numClasses, random);
  // Its own stream, so how often or how much is validated never changes the trained weights.
  const validationSampler = createClassBalancedSampler(validation.labels, numClasses, new Random(params.seed ^ 0x5bd1e995));
  const probs = new Float64Array(numClasses);
  const log: EvalPoint[] = [];
  const histograms: HistogramSummary[] = [];
  const snapshotEvery = params.evalStepInterval * Math.max(1, Math.round(params.steps / 10 / params.evalStepInterval));
  for (let step = 0; step < params.steps; step++) {
    // Forward pass on the batch, and the gradient of the mean cross entropy as one coefficient per example.
    const scale = params.learningRate / params.batchSize;
    const coefficients = new Map<number, Float64Array>();
    const biasGradient = new Float64Array(numClasses);
    let loss = 0;
    let correct = 0;
    for (const n of trainSampler.sample(params.batchSize)) {
      const label = train.labels[n]!;
      softmaxOf(engine.trainLogits(n), biases, probs);
      loss -= Math.log(Math.max(probs[label]!, 1e-30));
      if (argmax(probs) === label) correct++;
      let coefficient = coefficients.get(n);
      if (!coefficient) coefficients.set(n, (coefficient = new Float64Array(numClasses)));
      for (let c = 0; c < numClasses; c++) {
        const g = probs[c]! - (c === label ? 1 : 0);
        coefficient[c] = coefficient[c]! + scale * g;
        biasGradient[c] = biasGradient[c]! + g;
      }
    }
    engine.update(coefficients);
    for (let c = 0; c < numClasses; c++) biases[c] = biases[c]! - scale * biasGradient[c]!;

    if (step % params.evalStepInterval === 0 || step === params.steps - 1) {
      const picked =
        params.validationBatchSize === -1 ? validation.labels.map((_, i) => i) : validationSampler.sample(params.validationBatchSize);
      const point: EvalPoint = {
        step,
        trainAccuracy: correct / params.batchSize,
        crossEntropy: loss / params.batchSize,
        validationCount: picked.length,
      };
      if (picked.length > 0) {
        let right = 0;
        let validationLoss = 0;
        for (const v of picked) {
          softmaxOf(engine.validationLogits(v), biases, probs);
          if (argmax(probs) === validation.labels[v]) right++;
          validationLoss -= Math.log(Math.max(probs[validation.labels[v]!]!, 1e-30));
        }
        point.validationAccuracy = right / picked.length;
        point.validationCrossEntropy = validationLoss / picked.length;
      }
      log.push(point);
      onEval?.(point);
      if (step % snapshotEvery === 0 || step === params.steps - 1) {
        histograms.push(histogramOf('final_training_ops/weights', step, engine.weights()), histogramOf('final_training_ops/biases', step, biases));
      }
    }
  }
  return { head: { featureSize, numClasses, weights: engine.weights(), biases: Float32Array.from(biases) }, log, histograms };
}

/**
 * Vectors in memory: the cheaper of the two exact engines. Vectors read on demand: the Gram engine (all
 * vectors read once, held) when it is the cheaper one, which it is only for small sets; otherwise W·x on
 * each sampled batch, streamed. Every choice gives the head the in-memory path gives.
 */
function logitTrackerFor(
  initial: Float32Array,
  numClasses: number,
  train: LabelledVectors | IndexedVectors,
  validation: LabelledVectors | IndexedVectors,
  params: TrainParams,
  trackerFor: LogitTrackerChooser,
): LogitTracker {
  const { steps, batchSize } = params;
  if ('vectors' in train && 'vectors' in validation) return trackerFor(initial, numClasses, train.vectors, validation.vectors, steps, batchSize);
  const at = (set: LabelledVectors | IndexedVectors): VectorAt => ('vectors' in set ? (i) => set.vectors[i]! : set.vector);
  const trainAt = at(train);
  const validationAt = at(validation);
  if (prefersGram(train.labels.length, trainAt(0).length, validation.labels.length, numClasses, steps, batchSize)) {
    const all = (set: LabelledVectors | IndexedVectors, vector: VectorAt) => set.labels.map((_, i) => vector(i));
    return new GramLogits(initial, numClasses, all(train, trainAt), all(validation, validationAt));
  }
  return new StreamedLogits(initial, numClasses, trainAt, validationAt);
}

/** Softmax of logits + biases into `out` (returned). */
function softmaxOf(logits: Float64Array, biases: Float64Array, out: Float64Array): Float64Array {
  for (let c = 0; c < out.length; c++) out[c] = logits[c]! + biases[c]!;
  return softmaxInPlace(out);
}

/** Predicted class index of every vector. */
export function predictClasses(head: SoftmaxHead, vectors: readonly Float32Array[]): number[] {
  const probs = new Float64Array(head.numClasses);
  return vectors.map((x) => {
    softmaxInto(head, x, probs);
    return argmax(probs);
  });
}

export function accuracyOf(head: SoftmaxHead, vectors: readonly Float32Array[], labels: readonly number[]): number {
  if (vectors.length === 0) return NaN;
  const predicted = predictClasses(head, vectors);
  return predicted.filter((p, i) => p === labels[i]).length / vectors.length;
}
