import fs from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../util/content-hash.js';
import { LABELS_FILE, ONNX_FILE } from './export-manifest.js';

/** The files of an export the manifest records the content of: what predict, eval and other programs load. */
const MODEL_FILES: readonly string[] = ['model.json', 'weights.bin', ONNX_FILE, LABELS_FILE];

/** SHA-256 of each model file in `dir` (those present), for the manifest's `files`. */
export async function modelFileHashes(dir: string): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const name of MODEL_FILES) {
    const bytes = await fs.readFile(path.join(dir, name)).catch(() => undefined);
    if (bytes) hashes[name] = sha256Hex(bytes);
  }
  return hashes;
}

/**
 * What is wrong with the model files of the export in `dir`, by the hashes its manifest recorded (`weights.bin
 * changed since the export`), or undefined when they are as exported. An export made before the manifest
 * recorded them cannot be checked and counts as intact.
 */
export async function modelFilesDamage(dir: string, files: Readonly<Record<string, string>> | undefined): Promise<string | undefined> {
  for (const [name, hash] of Object.entries(files ?? {})) {
    const bytes = await fs.readFile(path.join(dir, name)).catch(() => undefined);
    if (!bytes) return `${name} is missing`;
    if (sha256Hex(bytes) !== hash) return `${name} changed since the export`;
  }
  return undefined;
}
