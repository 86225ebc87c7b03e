import fs from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { sha256Hex } from '../../util/content-hash.js';
import type { ModelJson, WeightSpec } from './weights-manifest.js';

export interface ModelFiles {
  json: ModelJson;
  artifacts: tf.io.ModelArtifacts;
  /** SHA-256 over model.json and every weight file: the model's content identity. */
  contentHash: string;
}

/** Reads a TF.js model (layers or graph) from disk into ModelArtifacts, with a content hash. */
export async function readModelFiles(modelJsonPath: string): Promise<ModelFiles> {
  const dir = path.dirname(modelJsonPath);
  const jsonBytes = await fs.readFile(modelJsonPath);
  const json = JSON.parse(jsonBytes.toString('utf8')) as ModelJson;
  const specs: WeightSpec[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest ?? []) {
    specs.push(...group.weights);
    for (const shard of group.paths) buffers.push(await fs.readFile(path.join(dir, shard)));
  }
  const weights = Buffer.concat(buffers);
  const { weightsManifest: _ignored, ...rest } = json;
  const artifacts: tf.io.ModelArtifacts = {
    ...(rest as object),
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: specs as tf.io.WeightsManifestEntry[],
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  };
  const contentHash = sha256Hex(Buffer.concat([jsonBytes, weights]));
  return { json, artifacts, contentHash };
}
