import fs from 'node:fs/promises';
import path from 'node:path';
import { MANIFEST_FILE, type ExportManifest } from './export-manifest.js';

/** The manifest of the model exported in `dir`, or undefined when there is no complete export there. */
export async function readManifest(dir: string): Promise<ExportManifest | undefined> {
  try {
    const manifest = JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as ExportManifest;
    if (manifest.onnx) await fs.access(path.join(dir, manifest.onnx.file));
    if (manifest.tfjs || !manifest.onnx) {
      await fs.access(path.join(dir, 'model.json'));
      await fs.access(path.join(dir, 'weights.bin'));
    }
    return manifest;
  } catch {
    return undefined;
  }
}
