import { PREPROCESS_VERSION } from '../bottleneck/decode-image.js';
import type { ResizeMode } from '../config/define-config.js';
import { sha256Hex } from '../hash/content-hash.js';
import { readModelFiles } from './read-model-files.js';
import { ModelError, type ResolvedModel } from './resolve-model.js';

/**
 * What a model contributes to a bottleneck's cache key, worked out from its files alone (no TensorFlow):
 * the fingerprint of weights + feature layer + pooling, and the preprocessing (size, value range, recipe).
 */
/** Bumped whenever the way features are computed from the same weights changes. */
const INFERENCE_VERSION = 'bn-folded-v1';

export interface ModelIdentity {
  fingerprint: string;
  inputSize: [number, number];
  range: [number, number];
  resize: ResizeMode;
  preprocessId: string;
}

export async function identifyModel(resolved: ResolvedModel): Promise<ModelIdentity> {
  const files = await readModelFiles(resolved.modelJson);
  const { featureLayer, pooling } = resolved.options;
  // The inference recipe (batch norm folded) changes vectors in their last bits: part of the identity.
  const fingerprint = sha256Hex(`${files.contentHash}|${featureLayer ?? ''}|${pooling ?? ''}|${INFERENCE_VERSION}`).slice(0, 16);
  const inputSize = resolved.options.inputSize ?? inputSizeFromTopology(files.json.modelTopology);
  if (!inputSize) throw new ModelError(`model "${resolved.source}": input size unknown; set modelOptions.inputSize`);
  const range = resolved.options.range ?? [0, 1];
  const resize = resolved.options.resize ?? 'crop';
  const preprocessId = `${PREPROCESS_VERSION}:${resize}:${inputSize[0]}x${inputSize[1]}:${range[0]},${range[1]}`;
  return { fingerprint, inputSize, range, resize, preprocessId };
}

/** The first `batch_input_shape` [null, h, w, 3] found in a Keras topology. */
function inputSizeFromTopology(topology: unknown): [number, number] | undefined {
  const stack: unknown[] = [topology];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) stack.push(...[...node].reverse());
    else if (node && typeof node === 'object') {
      const shape = (node as Record<string, unknown>).batch_input_shape;
      if (Array.isArray(shape) && shape.length === 4 && typeof shape[1] === 'number' && typeof shape[2] === 'number') {
        return [shape[1], shape[2]];
      }
      stack.push(...Object.values(node).reverse());
    }
  }
  return undefined;
}
