/**
 * The new final layer: one dense layer D×C with softmax, in plain TypeScript so training is exact,
 * deterministic and independent of the TensorFlow.js backend. Weights are class-major:
 * `weights[c * featureSize + d]` (the exported Dense kernel is the transpose, [d][c]).
 */
export interface SoftmaxHead {
  featureSize: number;
  numClasses: number;
  weights: Float32Array;
  biases: Float32Array;
}

export function createHead(featureSize: number, numClasses: number, initialWeight: () => number): SoftmaxHead {
  const weights = new Float32Array(featureSize * numClasses);
  for (let i = 0; i < weights.length; i++) weights[i] = initialWeight();
  return { featureSize, numClasses, weights, biases: new Float32Array(numClasses) };
}

/** Writes the class probabilities for feature vector `x` into `out` (length numClasses). */
export function softmaxInto(head: SoftmaxHead, x: Float32Array, out: Float64Array): void {
  const { featureSize: d, numClasses: c, weights, biases } = head;
  let max = -Infinity;
  for (let k = 0; k < c; k++) {
    let sum = biases[k]!;
    const row = k * d;
    for (let i = 0; i < d; i++) sum += weights[row + i]! * x[i]!;
    out[k] = sum;
    if (sum > max) max = sum;
  }
  let total = 0;
  for (let k = 0; k < c; k++) {
    const e = Math.exp(out[k]! - max);
    out[k] = e;
    total += e;
  }
  for (let k = 0; k < c; k++) out[k] = out[k]! / total;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
