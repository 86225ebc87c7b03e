import { createRequire } from 'node:module';
import type { ResizeMode } from '../config/define-config.js';
import { onnxRuntimeVersion } from './onnx/onnx-runtime.js';
import type { EngineName } from './model/backend.js';
import { engineId, modelFingerprint, preprocessId as preprocessIdOf, scalingId } from '../store/keys.js';
import { readModelFiles } from './model/read-model-files.js';
import type { ModelFacts } from './model/model-file-record.js';
import type { ModelIdentity } from './model/model-identity-type.js';
import { ModelError, type ResolvedModel } from './model/resolve-model.js';

export type { ModelIdentity };

/**
 * The TensorFlow.js version, read from its package.json: the same string as `tf.version_core`, without
 * loading TensorFlow.js (a build whose work is all cached does not need it).
 */
export const TFJS_CORE_VERSION = (createRequire(import.meta.url)('@tensorflow/tfjs-core/package.json') as { version: string }).version;

/** `files`: the model's model.json and content hash when the caller has them already (model-file-record.ts). */
export async function identifyModel(resolved: ResolvedModel, engineName: EngineName, files?: ModelFacts): Promise<ModelIdentity> {
  files ??= await readModelFiles(resolved.modelJson);
  const { featureLayer, pooling } = resolved.options;
  // The inference recipe (batch norm folded, or the ONNX conversion), the engine and its version change
  // vectors in their last bits: they are part of the identity, so one cache never mixes vectors that would
  // train different heads.
  const engine = engineName === 'onnxruntime' ? engineId({ onnxruntime: onnxRuntimeVersion() }) : engineId({ tfjs: TFJS_CORE_VERSION, backend: engineName });
  const fingerprint = modelFingerprint(files.contentHash, featureLayer, pooling, engine);
  const inputSize = resolved.options.inputSize ?? inputSizeFromTopology(files.json.modelTopology);
  if (!inputSize) throw new ModelError(`model "${resolved.source}": input size unknown; set modelOptions.inputSize`);
  const range = resolved.options.range ?? [0, 1];
  const resize = resolved.options.resize ?? 'crop';
  const preprocessId = preprocessIdOf(resize, inputSize, scalingId(range));
  const layerNames = layerNamesOf(files.json.modelTopology);
  if (featureLayer && !layerNames.includes(featureLayer)) {
    throw new ModelError(`model "${resolved.source}": no layer named "${featureLayer}" (modelOptions.featureLayer)`);
  }
  return { fingerprint, inputSize, range, resize, preprocessId, layerNames };
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

/** Every `name` of a layer config in a Keras topology, nested models included. */
function layerNamesOf(topology: unknown): string[] {
  const names: string[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record.class_name === 'string' && record.config && typeof (record.config as { name?: unknown }).name === 'string') {
        names.push((record.config as { name: string }).name);
      }
      Object.values(record).forEach(visit);
    }
  };
  visit(topology);
  return names;
}
