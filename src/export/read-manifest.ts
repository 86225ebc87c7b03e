import fs from 'node:fs/promises';
import path from 'node:path';
import { MANIFEST_FILE, type ExportManifest } from './export-manifest.js';

/** The manifest of the model exported in `dir`, or undefined when there is no complete export there. */
export async function readManifest(dir: string): Promise<ExportManifest | undefined> {
  try {
    await fs.access(path.join(dir, 'model.json'));
    await fs.access(path.join(dir, 'weights.bin'));
    return JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as ExportManifest;
  } catch {
    return undefined;
  }
}
