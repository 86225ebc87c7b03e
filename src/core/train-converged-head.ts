import { chooseL2, type L2Choice } from './choose-l2.js';
import { histogramOf, type HistogramSummary } from './histogram.js';
import { DEFAULT_LBFGS } from './lbfgs.js';
import { fitLogistic, headOf, parametersOf, predictWith, type Examples } from './logistic-regression.js';
import type { SoftmaxHead } from './softmax-head.js';
import { fromBasis, spanBasis, toBasis } from './span-basis.js';
import type { EvalPoint, IndexedVectors, LabelledVectors, TrainResult } from './train-head.js';

export interface ConvergedParams {
  /** The L2 strength; undefined: chosen by 5-fold cross-validation on the training examples. */
  l2?: number;
  /** Log an evaluation every N iterations (and on the last). */
  evalStepInterval: number;
  /** Read vectors given by index once and hold them when there are at most this many floats. Default HELD_FLOATS. */
  holdFloats?: number;
}

/** Training sets of at most this many floats are read once and held for the fits; larger ones are streamed. */
export const HELD_FLOATS = 16 * 1024 * 1024;

/**
 * The converged head: L2-regularised, class-balanced multinomial logistic regression fitted to convergence
 * by L-BFGS (full batch, no randomness: the same vectors give the same head bit for bit), with the L2
 * strength chosen by cross-validation on the training examples unless given. The validation examples are
 * only evaluated, as the SGD trainer does. A warm start (a plain head of the same shape) is the fit's
 * starting point: the optimum is the same, reached in fewer passes.
 *
 * A training set small enough is read once and held; with fewer vectors than dimensions it is fitted in an
 * orthonormal basis of their span (span-basis.ts: the same optimum, cheaper passes). A larger one is
 * streamed from `vector` on every pass: memory is the parameters, whatever the number of vectors.
 */
export function trainConvergedHead(
  train: LabelledVectors | IndexedVectors,
  validation: LabelledVectors | IndexedVectors,
  numClasses: number,
  params: ConvergedParams,
  onEval?: (point: EvalPoint) => void,
  warmStart?: SoftmaxHead,
): TrainResult & { l2: L2Choice } {
  if (train.labels.length === 0) throw new Error('no training images');
  const trainSet = examplesOf(train);
  const validationSet = examplesOf(validation);
  const featureSize = trainSet.vector(0).length;
  const all = train.labels.map((_, i) => i);
  const n = all.length;
  const held = 'vectors' in train || n * featureSize <= (params.holdFloats ?? HELD_FLOATS);
  const vectors = held ? all.map((i) => trainSet.vector(i) as Float32Array) : undefined;
  const span = vectors && n < featureSize ? spanBasis(vectors) : undefined;
  // What the solver sees: coordinates in the span, the held vectors, or the streamed ones.
  const fitSet: Examples = span ? { labels: train.labels, vector: (i) => span.coordinates[i]! } : vectors ? { labels: train.labels, vector: (i) => vectors[i]! } : trainSet;
  const size = span ? span.basis.length : featureSize;
  // Parameters between the span's coordinates and the original space: the weight rows change basis, the biases stay.
  const withBiases = (x: Float64Array, rows: Float64Array, from: number, to: number): Float64Array => {
    const out = new Float64Array(numClasses * (to + 1));
    out.set(rows);
    out.set(x.subarray(numClasses * from), numClasses * to);
    return out;
  };
  const toOriginal = (x: Float64Array): Float64Array => (span ? withBiases(x, fromBasis(x, numClasses, span.basis, featureSize), size, featureSize) : x);
  const fromOriginal = (x: Float64Array): Float64Array => (span ? withBiases(x, toBasis(x, numClasses, span.basis, featureSize), featureSize, size) : x);

  const choice: L2Choice = params.l2 !== undefined ? { l2: params.l2, scores: [], evaluations: 0 } : chooseL2(fitSet, all, numClasses, size);
  const start = warmStart && !warmStart.hidden && warmStart.featureSize === featureSize && warmStart.numClasses === numClasses ? fromOriginal(parametersOf(warmStart)) : undefined;
  const log: EvalPoint[] = [];
  const histograms: HistogramSummary[] = [];
  const record = (iteration: number, reduced: Float64Array) => {
    const x = toOriginal(reduced);
    const head = headOf(x, featureSize, numClasses);
    const fit = scoreOf(x, trainSet, numClasses);
    const point: EvalPoint = { step: iteration, trainAccuracy: fit.accuracy, crossEntropy: fit.crossEntropy, validationCount: validation.labels.length };
    if (validation.labels.length > 0) {
      const scored = scoreOf(x, validationSet, numClasses);
      point.validationAccuracy = scored.accuracy;
      point.validationCrossEntropy = scored.crossEntropy;
    }
    log.push(point);
    onEval?.(point);
    histograms.push(histogramOf('final_training_ops/weights', iteration, head.weights), histogramOf('final_training_ops/biases', iteration, head.biases));
  };
  let last = -1;
  const fit = fitLogistic({ examples: fitSet, indices: all, numClasses, featureSize: size, l2: choice.l2 }, start, DEFAULT_LBFGS, (iteration, _value, x) => {
    if (iteration % params.evalStepInterval === 0) (record(iteration, x), (last = iteration));
  });
  if (last !== fit.iterations) record(fit.iterations, fit.x);
  return { head: headOf(toOriginal(fit.x), featureSize, numClasses), log, histograms, l2: choice };
}

function examplesOf(set: LabelledVectors | IndexedVectors): Examples {
  return 'vectors' in set ? { labels: set.labels, vector: (i) => set.vectors[i]! } : set;
}

/** Accuracy and mean cross entropy of parameters `x` on every example of a set. */
function scoreOf(x: Float64Array, set: Examples, numClasses: number): { accuracy: number; crossEntropy: number } {
  let right = 0;
  let loss = 0;
  for (let i = 0; i < set.labels.length; i++) {
    const { label, logProbabilities } = predictWith(x, set.vector(i), numClasses);
    if (label === set.labels[i]) right++;
    loss -= logProbabilities[set.labels[i]!]!;
  }
  return { accuracy: right / set.labels.length, crossEntropy: loss / set.labels.length };
}
