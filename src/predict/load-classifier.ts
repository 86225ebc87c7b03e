/**
 * An exported model folder loaded for classification in either of its formats: the TF.js layers model
 * (needs an initialised TensorFlow.js backend) or the ONNX classifier (onnxruntime-node).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { decodeImage } from '../bottleneck/decode-image.js';
import { MANIFEST_FILE, type ExportManifest } from '../export/export-manifest.js';
import { requireOnnxRuntime } from '../onnx/onnx-runtime.js';
import { ExportedModelError, loadExportedModel, type Prediction } from './load-exported-model.js';

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
  const model = await loadExportedModel(dir);
  return { manifest, format: 'tfjs', classify: (bytes, topK) => model.classify(bytes, topK) };
}

async function readExportManifest(dir: string): Promise<ExportManifest> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as ExportManifest;
  } catch (error) {
    // The same one-line answers as loading the TF.js model: no errno text, and what to do.
    const remedy = 'build one with retrain build, or name a model folder with --model DIR';
    const folder = await fs.stat(dir).then((s) => s.isDirectory(), () => undefined);
    if (folder === undefined) throw new ExportedModelError(`${dir}: no such model folder; ${remedy}`);
    if (!folder) throw new ExportedModelError(`${dir}: is a file, not a model folder; ${remedy}`);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ExportedModelError(`${dir}: not a retrain model folder (no ${MANIFEST_FILE}); ${remedy}`);
    if (error instanceof SyntaxError) throw new ExportedModelError(`${path.join(dir, MANIFEST_FILE)}: damaged (not JSON); rebuild the model with retrain build`);
    throw new ExportedModelError(`${dir}: not a retrain model folder (${MANIFEST_FILE}: ${(error as Error).message.split('\n')[0]})`);
  }
}

async function loadOnnxClassifier(dir: string, manifest: ExportManifest): Promise<Classifier> {
  const contract = manifest.onnx!;
  const ort = await requireOnnxRuntime();
  const session = await ort.InferenceSession.create(path.join(dir, contract.file), { intraOpNumThreads: 1, interOpNumThreads: 1 });
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
