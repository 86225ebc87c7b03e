import type * as tf from '@tensorflow/tfjs-core';

/** One weight tensor's values by name, as the layers model's files hold them. */
export interface NamedWeight {
  shape: number[];
  data: Float32Array;
}

/** Splits TF.js weight data into named float32 arrays; undefined when any weight is not plain float32. */
export function toNamedWeights(specs: tf.io.WeightsManifestEntry[], data: ArrayBuffer): Map<string, NamedWeight> | undefined {
  const weights = new Map<string, NamedWeight>();
  let offset = 0;
  for (const spec of specs) {
    if (spec.dtype !== 'float32' || spec.quantization) return undefined;
    const count = spec.shape.reduce((a, b) => a * b, 1);
    weights.set(spec.name, { shape: spec.shape, data: new Float32Array(data.slice(offset, offset + count * 4)) });
    offset += count * 4;
  }
  return weights;
}

/** The inverse of toNamedWeights: weight specs and one buffer, in the map's order. */
export function fromNamedWeights(weights: Map<string, NamedWeight>): { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const total = [...weights.values()].reduce((sum, w) => sum + w.data.length, 0);
  const data = new Float32Array(total);
  let offset = 0;
  for (const [name, weight] of weights) {
    specs.push({ name, shape: weight.shape, dtype: 'float32' });
    data.set(weight.data, offset);
    offset += weight.data.length;
  }
  return { specs, data: data.buffer };
}
