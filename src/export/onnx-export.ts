/**
 * The ONNX file of an export: the backbone's feature graph (the cached cut of an ONNX backbone, or the
 * Keras conversion of a TF.js one) with the trained head, so the model runs wherever onnxruntime does.
 */
import fs from 'node:fs/promises';
import { convertModelFiles } from '../engine/onnx/convert-model.js';
import { classifierGraph } from '../engine/onnx/onnx-classifier.js';
import { INPUT_NAME } from '../engine/onnx/keras-to-onnx.js';
import type { BottleneckEngine } from '../engine/feature-engine.js';
import type { ModelIdentity } from '../engine/model-identity.js';
import { readModelFiles } from '../engine/model/read-model-files.js';
import type { ResolvedModel } from '../engine/model/resolve-model.js';
import type { SoftmaxHead } from '../core/softmax-head.js';
import { ONNX_FILE, type ExportManifest } from './export-manifest.js';

/** The manifest's description of the ONNX file: what a caller feeds and reads. */
export function onnxContract(identity: ModelIdentity, outputName: string): NonNullable<ExportManifest['onnx']> {
  const [h, w] = identity.inputSize;
  return {
    file: ONNX_FILE,
    input: { name: INPUT_NAME, type: 'uint8', shape: ['batch', h, w, 3], layout: 'NHWC', channels: 'RGB' },
    output: outputName,
  };
}

/**
 * The encoded ONNX classifier, or why there is none (a TF.js backbone whose layers have no ONNX conversion,
 * an output name that a tensor of the backbone's graph already has).
 */
export async function onnxClassifier(
  model: ResolvedModel,
  identity: ModelIdentity,
  engine: BottleneckEngine,
  head: SoftmaxHead,
  outputName: string,
): Promise<{ bytes: Uint8Array } | { reason: string }> {
  let features: Uint8Array;
  if (engine.onnxFile) features = await fs.readFile(engine.onnxFile);
  else {
    try {
      const { featureLayer, pooling } = model.options;
      features = convertModelFiles(await readModelFiles(model.modelJson), { featureLayer, pooling, inputSize: identity.inputSize, range: identity.range });
    } catch (error) {
      return { reason: (error as Error).message.split('\n')[0]! };
    }
  }
  try {
    return { bytes: classifierGraph(features, head, outputName) };
  } catch (error) {
    return { reason: (error as Error).message.split('\n')[0]! };
  }
}
