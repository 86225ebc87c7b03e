import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { FeatureExtractor } from '../engine/feature-extractor.js';
import type { SoftmaxHead } from '../core/softmax-head.js';
import { makeTempDirBeside, replaceDir, writeFileAtomic } from '../util/atomic-write.js';
import { describeWriteError } from '../util/file-errors.js';
import { checkReplaceable } from './output-guard.js';
import { LABELS_FILE, MANIFEST_FILE, type ExportManifest } from './export-manifest.js';
import { modelFileHashes } from './model-files.js';



export { EXPORT_LAYER_NAMES } from './export-layer-names.js';

/**
 * Builds backbone + head as one TF.js layers model (input: RGB pixels 0..255 at the model's size; output:
 * softmax probabilities under `manifest.outputName`) and writes it with labels and manifest into a temp folder
 * that replaces `outputDir` only when complete (with `extraFiles`: report, logs). A failure leaves the previous
 * export untouched.
 */
export async function exportModel(
  extractor: FeatureExtractor | undefined,
  head: SoftmaxHead,
  manifest: ExportManifest,
  outputDir: string,
  extraFiles: ReadonlyMap<string, string | Uint8Array> = new Map(),
): Promise<void> {
  // No TF.js model for a backbone that is not one (an ONNX backbone): the ONNX file comes in `extraFiles`.
  const { model, layers } = extractor ? composeModel(extractor, head, manifest.outputName) : { model: undefined, layers: [] };
  const temp = await makeTempDirBeside(outputDir).catch((error: unknown) => {
    throw new Error(`cannot write the model to ${outputDir}: ${describeWriteError(error)}; choose a writable --output-dir`);
  });
  try {
    await model?.save(directoryWriter(temp));
    await fs.writeFile(path.join(temp, LABELS_FILE), manifest.labels.join('\n') + '\n');
    for (const [name, content] of extraFiles) {
      await fs.mkdir(path.dirname(path.join(temp, name)), { recursive: true });
      await fs.writeFile(path.join(temp, name), content);
    }
    // Last, with the hashes of the model files beside it: a later build finds a damaged one and exports again.
    await fs.writeFile(path.join(temp, MANIFEST_FILE), JSON.stringify({ ...manifest, files: await modelFileHashes(temp) }, null, 2) + '\n');
    await replaceDir(temp, outputDir, (target) => checkReplaceable(target, 'output folder (--output-dir)'));
  } catch (error) {
    await fs.rm(temp, { recursive: true, force: true });
    if ((error as NodeJS.ErrnoException).code) {
      throw new Error(`cannot write the model to ${outputDir}: ${describeWriteError(error)}; the previous model is unchanged`);
    }
    throw error;
  } finally {
    for (const layer of layers) layer.dispose();
  }
}

/** Writes the labels file alone (the original's --output_labels), atomically. */
export async function writeLabelsFile(file: string, labels: readonly string[]): Promise<void> {
  try {
    await writeFileAtomic(file, labels.join('\n') + '\n');
  } catch (error) {
    throw new Error(`cannot write the labels file ${file}: ${describeWriteError(error)}; the model is exported, choose a writable --output-labels`);
  }
}

function composeModel(extractor: FeatureExtractor, head: SoftmaxHead, outputName: string): { model: tfl.LayersModel; layers: tfl.layers.Layer[] } {
  const [h, w] = extractor.inputSize;
  const [lo, hi] = extractor.range;
  const input = tfl.input({ shape: [h, w, 3], name: 'image' });
  const scaled = tfl.layers.rescaling({ scale: (hi - lo) / 255, offset: lo, name: 'to_backbone_range' }).apply(input);
  let features = extractor.model.apply(scaled) as tfl.SymbolicTensor;
  const layers: tfl.layers.Layer[] = [];
  const denseLayer = (units: number, inputs: number, weights: Float32Array, biases: Float32Array, activation: 'relu' | 'softmax', name: string) => {
    const kernel = tf.tidy(() => tf.transpose(tf.tensor2d(weights, [units, inputs])));
    const bias = tf.tensor1d(biases);
    const layer = tfl.layers.dense({ units, activation, name, weights: [kernel, bias] });
    features = layer.apply(features) as tfl.SymbolicTensor;
    tf.dispose([kernel, bias]); // the layer holds its own copies
    layers.push(layer);
  };
  if (head.hidden) denseLayer(head.hidden.units, head.featureSize, head.hidden.weights, head.hidden.biases, 'relu', 'retrain_hidden');
  denseLayer(head.numClasses, head.hidden?.units ?? head.featureSize, head.weights, head.biases, 'softmax', outputName);
  return { model: tfl.model({ inputs: input, outputs: features, name: 'retrained' }), layers };
}

/** A TF.js IOHandler that writes model.json + one weights.bin into `dir`. */
function directoryWriter(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts) {
      const parts = Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData ?? new ArrayBuffer(0)];
      const weightData = Buffer.concat(parts.map((b) => Buffer.from(b)));
      const modelJson = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: 'retrain',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      await fs.writeFile(path.join(dir, 'weights.bin'), weightData);
      await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  };
}
