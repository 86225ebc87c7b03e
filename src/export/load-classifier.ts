/**
 * An exported model folder loaded for classification in either of its formats: the TF.js layers model
 * (needs an initialised TensorFlow.js backend) or the ONNX classifier (onnxruntime-node).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { decodeImage } from '../images/decode-image.js';
import type { ExportManifest } from './export-manifest.js';
import { requireOnnxRuntime } from '../engine/onnx/onnx-runtime.js';
import { ExportedModelError, loadExportedModel, readExportManifest, type Prediction } from './load-exported-model.js';

export type ExportFormat = 'tfjs' | 'onnx';

export interface Classifier {
  manifest: ExportManifest;
  format: ExportFormat;
  /** Top-k labels with probabilities, best first, for one encoded image. */
  classify(imageBytes: Uint8Array, topK?: number): Promise<Prediction[]>;
}

/** `format`: which file to run; by default the TF.js model when the folder has one, else the ONNX file. */
export async function loadClassifier(dir: string, format?: ExportFormat): Promise<Classifier> {
  const manifest = await readExportManifest(dir);
  const hasTfjs = manifest.tfjs !== undefined || manifest.onnx === undefined;
  const chosen = format ?? (hasTfjs ? 'tfjs' : 'onnx');
  if (chosen === 'onnx') {
    if (!manifest.onnx) throw new ExportedModelError(`${dir}: this export has no ONNX file (built by an older retrain, or its backbone has no ONNX conversion)`);
    return loadOnnxClassifier(dir, manifest);
  }
  if (!hasTfjs) throw new ExportedModelError(`${dir}: this export has no TF.js model (its backbone is an ONNX model); use --format onnx`);
  const model = await loadExportedModel(dir, manifest);
  return { manifest, format: 'tfjs', classify: (bytes, topK) => model.classify(bytes, topK) };
}

async function loadOnnxClassifier(dir: string, manifest: ExportManifest): Promise<Classifier> {
  const contract = manifest.onnx!;
  const ort = await requireOnnxRuntime();
  const file = path.join(dir, contract.file);
  // onnxruntime's own words for a missing or empty file are a C++ signature; say it plainly.
  const size = await fs.stat(file).then((s) => s.size, () => undefined);
  if (size === undefined || size === 0) {
    throw new ExportedModelError(`${file}: ${size === 0 ? 'empty (0 bytes)' : 'missing'}; rebuild the model with retrain build`);
  }
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1 }).catch((error: Error) => {
    throw new ExportedModelError(`${file}: damaged or incomplete (${error.message.split('\n')[0]}); rebuild the model with retrain build`);
  });
  const [h, w] = manifest.input.size;
  return {
    manifest,
    format: 'onnx',
    async classify(imageBytes, topK = 5) {
      const pixels = await decodeImage(imageBytes, [h, w], manifest.input.resize);
      const result = await session.run({ [contract.input.name]: new ort.Tensor('uint8', pixels, [1, h, w, 3]) });
      const probs = result[contract.output]!.data as Float32Array;
      return [...probs]
        .map((score, i) => ({ label: manifest.labels[i] ?? String(i), score }))
        .sort((a, b) => b.score - a.score)
        .slice(0, topK);
    },
  };
}
