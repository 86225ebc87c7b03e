import { createClassBalancedSampler } from './class-balanced-sampler.js';
import { Random } from './random.js';
import { argmax, createHead, sgdStep, softmaxInto, type SoftmaxHead } from './softmax-head.js';

export interface LabelledVectors {
  vectors: Float32Array[];
  labels: number[];
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
  validationCount: number;
}

export interface TrainResult {
  head: SoftmaxHead;
  log: EvalPoint[];
}

/**
 * Trains a softmax head exactly as retrain.py does (truncated-normal init with stddev 0.001, zero bias,
 * plain SGD, class-balanced batches), deterministically from `params.seed`.
 */
export function trainHead(
  train: LabelledVectors,
  validation: LabelledVectors,
  numClasses: number,
  params: TrainParams,
  onEval?: (point: EvalPoint) => void,
): TrainResult {
  if (train.vectors.length === 0) throw new Error('no training images');
  const featureSize = train.vectors[0]!.length;
  const random = new Random(params.seed);
  const head = createHead(featureSize, numClasses, () => random.truncatedNormal(0.001));
  const trainSampler = createClassBalancedSampler(train.labels, numClasses, random);
  const validationSampler = createClassBalancedSampler(validation.labels, numClasses, random);
  const scratch = { grad: new Float64Array(featureSize * numClasses), probs: new Float64Array(numClasses) };
  const log: EvalPoint[] = [];
  for (let step = 0; step < params.steps; step++) {
    const batch = trainSampler.sample(params.batchSize);
    const xs = batch.map((i) => train.vectors[i]!);
    const ys = batch.map((i) => train.labels[i]!);
    const { crossEntropy, accuracy } = sgdStep(head, xs, ys, params.learningRate, scratch);
    const last = step === params.steps - 1;
    if (step % params.evalStepInterval === 0 || last) {
      const picked =
        params.validationBatchSize === -1
          ? validation.labels.map((_, i) => i)
          : validationSampler.sample(params.validationBatchSize);
      const point: EvalPoint = { step, trainAccuracy: accuracy, crossEntropy, validationCount: picked.length };
      if (picked.length > 0) {
        point.validationAccuracy = accuracyOf(
          head,
          picked.map((i) => validation.vectors[i]!),
          picked.map((i) => validation.labels[i]!),
        );
      }
      log.push(point);
      onEval?.(point);
    }
  }
  return { head, log };
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
