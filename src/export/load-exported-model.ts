import fs from 'node:fs/promises';
import path from 'node:path';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { decodeImage } from '../images/decode-image.js';
import { MANIFEST_FILE, type ExportManifest } from './export-manifest.js';
import { readModelFiles } from '../engine/model/read-model-files.js';
import { errnoText } from '../util/errno-text.js';
import { brokenLinkText } from '../util/broken-link.js';

export class ExportedModelError extends Error {
  override name = 'ExportedModelError';
}

export interface Prediction {
  label: string;
  score: number;
}

/** A model written by `retrain build`, loaded for inference. Needs an initialised backend. */
export interface ExportedModel {
  manifest: ExportManifest;
  model: LayersModel;
  /** Top-k labels with probabilities, best first, for one encoded image. */
  classify(imageBytes: Uint8Array, topK?: number): Promise<Prediction[]>;
}

/** The manifest of an exported model folder; one line saying what is wrong (and what to do) otherwise. */
export async function readExportManifest(dir: string): Promise<ExportManifest> {
  const remedy = 'build one with retrain build, or name a model folder with --model DIR';
  let manifestText: string;
  try {
    manifestText = await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const folder = await fs.stat(dir).then((s) => s.isDirectory(), () => undefined);
    if (folder === undefined) throw new ExportedModelError(`${dir}: ${(await brokenLinkText(dir)) ?? 'no such model folder'}; ${remedy}`);
    if (!folder) throw new ExportedModelError(`${dir}: is a file, not a model folder; ${remedy}`);
    if (code === 'ENOENT') throw new ExportedModelError(`${dir}: not a retrain model folder (no ${MANIFEST_FILE}); ${remedy}`);
    throw new ExportedModelError(`${path.join(dir, MANIFEST_FILE)}: cannot read (${errnoText(error)})`);
  }
  try {
    return JSON.parse(manifestText) as ExportManifest;
  } catch {
    throw new ExportedModelError(`${path.join(dir, MANIFEST_FILE)}: damaged (not JSON); rebuild the model with retrain build`);
  }
}

/** `manifest`: when the caller has read it already. */
export async function loadExportedModel(dir: string, known?: ExportManifest): Promise<ExportedModel> {
  const manifest = known ?? (await readExportManifest(dir));
  // TensorFlow.js is loaded here, not when the library is imported (a config file imports it too).
  const tf = await import('@tensorflow/tfjs-core');
  const tfl = await import('@tensorflow/tfjs-layers');
  let model: LayersModel;
  try {
    const files = await readModelFiles(path.join(dir, 'model.json'));
    model = await tfl.loadLayersModel(tf.io.fromMemory(files.artifacts));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ? errnoText(error) : (error as Error).message.split('\n')[0];
    throw new ExportedModelError(`${dir}: the model files are damaged or incomplete (${reason}); rebuild the model with retrain build`);
  }
  const [h, w] = manifest.input.size;
  return {
    manifest,
    model,
    async classify(imageBytes, topK = 5) {
      const pixels = await decodeImage(imageBytes, [h, w], manifest.input.resize);
      const probs = tf.tidy(() => {
        const input = tf.tensor4d(Float32Array.from(pixels), [1, h, w, 3]);
        return (model.predict(input) as Tensor).dataSync() as Float32Array;
      });
      return [...probs]
        .map((score, i) => ({ label: manifest.labels[i] ?? String(i), score }))
        .sort((a, b) => b.score - a.score)
        .slice(0, topK);
    },
  };
}
