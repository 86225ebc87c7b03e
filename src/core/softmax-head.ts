/**
 * The new final layer: one dense layer with softmax over the classes, optionally after one hidden ReLU
 * layer. Weights are output-major: `weights[c * inputs + i]`, where the inputs are the feature vector, or
 * the hidden units when there is a hidden layer (the exported Dense kernels are the transposes, [i][c]).
 */
export interface SoftmaxHead {
  featureSize: number;
  numClasses: number;
  weights: Float32Array;
  biases: Float32Array;
  hidden?: HiddenLayer;
}

/** A dense ReLU layer between the features and the softmax: `weights[u * featureSize + d]`. */
export interface HiddenLayer {
  units: number;
  weights: Float32Array;
  biases: Float32Array;
}

export function createHead(featureSize: number, numClasses: number, initialWeight: () => number): SoftmaxHead {
  const weights = new Float32Array(featureSize * numClasses);
  for (let i = 0; i < weights.length; i++) weights[i] = initialWeight();
  return { featureSize, numClasses, weights, biases: new Float32Array(numClasses) };
}

/** Writes the class probabilities for feature vector `x` into `out` (length numClasses). */
export function softmaxInto(head: SoftmaxHead, features: Float32Array, out: Float64Array): void {
  const x = head.hidden ? hiddenActivations(head.hidden, features) : features;
  const { numClasses: c, weights, biases } = head;
  const d = x.length;
  for (let k = 0; k < c; k++) {
    let sum = biases[k]!;
    const row = k * d;
    for (let i = 0; i < d; i++) sum += weights[row + i]! * x[i]!;
    out[k] = sum;
  }
  softmaxInPlace(out);
}

/** Turns logits into probabilities in place (shifted by the largest logit, so exp never overflows). */
export function softmaxInPlace(values: Float64Array): Float64Array {
  let max = -Infinity;
  for (let k = 0; k < values.length; k++) if (values[k]! > max) max = values[k]!;
  let total = 0;
  for (let k = 0; k < values.length; k++) total += values[k] = Math.exp(values[k]! - max);
  for (let k = 0; k < values.length; k++) values[k] = values[k]! / total;
  return values;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

function hiddenActivations(layer: HiddenLayer, x: Float32Array): Float32Array {
  const d = x.length;
  const out = new Float32Array(layer.units);
  for (let u = 0; u < layer.units; u++) {
    let sum = layer.biases[u]!;
    const row = u * d;
    for (let i = 0; i < d; i++) sum += layer.weights[row + i]! * x[i]!;
    out[u] = sum > 0 ? sum : 0;
  }
  return out;
}
