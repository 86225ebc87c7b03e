import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { LABELS_FILE, ONNX_FILE } from './export-manifest.js';

/** The files of an export the manifest records the content of: what predict, eval and other programs load. */
const MODEL_FILES: readonly string[] = ['model.json', 'weights.bin', ONNX_FILE, LABELS_FILE];

/** SHA-256 of each model file in `dir` (those present), for the manifest's `files`. */
export async function modelFileHashes(dir: string): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const name of MODEL_FILES) {
    const hash = await fileSha256(path.join(dir, name));
    if (hash) hashes[name] = hash;
  }
  return hashes;
}

/**
 * What is wrong with the model files of the export in `dir`, by the hashes its manifest recorded, as the rest of
 * "the model in DIR …" (`is damaged (weights.bin changed since the export)`), or undefined when they are as
 * exported. An export made before the manifest recorded them cannot be checked: it is exported again once.
 */
export async function modelFilesDamage(dir: string, files: Readonly<Record<string, string>> | undefined): Promise<string | undefined> {
  if (files === undefined) return 'has no file hashes to check it by (exported by an older retrain)';
  for (const [name, hash] of Object.entries(files)) {
    const found = await fileSha256(path.join(dir, name));
    if (found === undefined) return `is damaged (${name} is missing)`;
    if (found !== hash) return `is damaged (${name} changed since the export)`;
  }
  return undefined;
}

/**
 * SHA-256 of a file as lowercase hex, read as a stream (an ONNX backbone can be hundreds of MB, checked on every
 * up-to-date build), or undefined when it cannot be read.
 */
async function fileSha256(file: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}
