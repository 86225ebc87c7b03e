import { DEFAULT_LBFGS, minimizeLbfgs, type LbfgsOptions, type LbfgsResult, type Objective } from './lbfgs.js';
import type { SoftmaxHead } from './softmax-head.js';

/**
 * Multinomial logistic regression with an L2 penalty on the weights (not the biases), class-balanced like
 * the original's batch sampler (every class present weighs the same, however many examples it has):
 *
 *   f(W, b) = Σᵢ wᵧᵢ · −log softmax(W·xᵢ + b)ᵧᵢ + λ/2 · ‖W‖²,   w_c = 1 / (classes present · examples of c)
 *
 * or, with `weighting: 'mean'` (the audit's fold heads), every example weighs 1 / (examples): the mean cross entropy.
 *
 * The parameters are one Float64Array: the weights class-major (W[c·d + j]), then the k biases. Every
 * evaluation streams the examples once through `vector`, so memory is the parameters whatever their number.
 * A vector may be shorter than `featureSize`: its missing entries are zeros and cost nothing (the audit's
 * lower-triangular Cholesky coordinates, kernel-coordinates.ts).
 */

/** Labelled vectors read by index (from the cache, or an array; float64 for coordinates in a reduced basis). */
export interface Examples {
  labels: readonly number[];
  /** At most `featureSize` entries (a shorter vector: the rest are zeros). */
  vector: (index: number) => Float32Array | Float64Array;
}

export interface Problem {
  examples: Examples;
  /** Which examples (indices into `examples`) the objective sums over. */
  indices: readonly number[];
  numClasses: number;
  featureSize: number;
  l2: number;
  /** 'balanced' (the default): every class present weighs the same; 'mean': every example does. */
  weighting?: 'balanced' | 'mean';
}

/** The objective and its gradient, one streamed pass over the examples per call. */
export function logisticObjective({ examples, indices, numClasses: k, featureSize: d, l2, weighting = 'balanced' }: Problem): Objective {
  const counts = new Array<number>(k).fill(0);
  for (const i of indices) counts[examples.labels[i]!]!++;
  const present = counts.filter((c) => c > 0).length;
  const weightOf = counts.map((c) => (c === 0 ? 0 : weighting === 'mean' ? 1 / indices.length : 1 / (present * c)));
  const z = new Float64Array(k);
  return (x, gradient) => {
    gradient.fill(0);
    let loss = 0;
    for (const i of indices) {
      const v = examples.vector(i);
      const label = examples.labels[i]!;
      const w = weightOf[label]!;
      const length = v.length;
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        let sum = x[k * d + c]!;
        const row = c * d;
        for (let j = 0; j < length; j++) sum += x[row + j]! * v[j]!;
        z[c] = sum;
        if (sum > max) max = sum;
      }
      let total = 0;
      for (let c = 0; c < k; c++) total += z[c] = Math.exp(z[c]! - max);
      loss -= w * Math.log(Math.max(z[label]! / total, 1e-300));
      for (let c = 0; c < k; c++) {
        const coefficient = w * (z[c]! / total - (c === label ? 1 : 0));
        if (coefficient === 0) continue;
        const row = c * d;
        for (let j = 0; j < length; j++) gradient[row + j] = gradient[row + j]! + coefficient * v[j]!;
        gradient[k * d + c] = gradient[k * d + c]! + coefficient;
      }
    }
    let squares = 0;
    for (let j = 0; j < k * d; j++) {
      squares += x[j]! * x[j]!;
      gradient[j] = gradient[j]! + l2 * x[j]!;
    }
    return loss + (l2 / 2) * squares;
  };
}

/** Fits the problem to convergence from `start` (parameters, e.g. a warm start) or from zero. */
export function fitLogistic(
  problem: Problem,
  start?: Float64Array,
  options: LbfgsOptions = DEFAULT_LBFGS,
  onIteration?: (iteration: number, value: number, x: Float64Array) => void,
): LbfgsResult {
  const size = problem.numClasses * (problem.featureSize + 1);
  if (start && start.length !== size) throw new Error(`start has ${start.length} parameters, not ${size}`);
  return minimizeLbfgs(logisticObjective(problem), start ?? new Float64Array(size), options, onIteration);
}

/** The parameters of a plain softmax head (a head with a hidden layer has none). */
export function parametersOf(head: SoftmaxHead): Float64Array {
  const { weights, biases } = head;
  const x = new Float64Array(weights.length + biases.length);
  x.set(weights);
  x.set(biases, weights.length);
  return x;
}

export function headOf(x: Float64Array, featureSize: number, numClasses: number): SoftmaxHead {
  return {
    featureSize,
    numClasses,
    weights: Float32Array.from(x.subarray(0, featureSize * numClasses)),
    biases: Float32Array.from(x.subarray(featureSize * numClasses)),
  };
}

/** The class with the largest logit, for parameters `x` (the vector may be shorter than their feature size). */
export function predictWith(x: Float64Array, v: Float32Array | Float64Array, numClasses: number): { label: number; logProbabilities: Float64Array } {
  const z = new Float64Array(numClasses);
  const best = logitsInto(x, v, numClasses, z);
  let total = 0;
  for (let c = 0; c < numClasses; c++) total += Math.exp(z[c]! - z[best]!);
  const logTotal = Math.log(total);
  for (let c = 0; c < numClasses; c++) z[c] = z[c]! - z[best]! - logTotal;
  return { label: best, logProbabilities: z };
}

/** Class probabilities for parameters `x` into `out` (length numClasses). */
export function probabilitiesInto(x: Float64Array, v: Float32Array | Float64Array, numClasses: number, out: Float64Array): Float64Array {
  const max = out[logitsInto(x, v, numClasses, out)]!;
  let total = 0;
  for (let c = 0; c < numClasses; c++) total += out[c] = Math.exp(out[c]! - max);
  for (let c = 0; c < numClasses; c++) out[c] = out[c]! / total;
  return out;
}

/** The logits W·v + b into `z`; returns the index of the largest (the first of equals). */
function logitsInto(x: Float64Array, v: Float32Array | Float64Array, numClasses: number, z: Float64Array): number {
  const d = x.length / numClasses - 1;
  let best = 0;
  for (let c = 0; c < numClasses; c++) {
    let sum = x[numClasses * d + c]!;
    for (let j = 0; j < v.length; j++) sum += x[c * d + j]! * v[j]!;
    z[c] = sum;
    if (sum > z[best]!) best = c;
  }
  return best;
}
