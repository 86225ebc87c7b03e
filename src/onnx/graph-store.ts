/**
 * Converted ONNX feature graphs on disk, in `<cacheDir>/onnx/`: one file per model content + conversion
 * options, made on first use (atomically) and found after. A model that does not convert leaves a note with
 * the reason, so the conversion is not tried on every build.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../hash/content-hash.js';
import type { ModelFiles } from '../model/read-model-files.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { convertModelFiles, CONVERSION_VERSION } from './convert-model.js';
import { OnnxConversionError, type ConversionOptions } from './keras-to-onnx.js';

const GRAPH = '.onnx';
const UNSUPPORTED = '.unsupported.txt';

export function graphDir(cacheDir: string): string {
  return path.join(cacheDir, 'onnx');
}

/** The graph file of a model, converting it on first use; or why the model does not convert. */
export async function storedGraph(files: ModelFiles, options: ConversionOptions, cacheDir: string): Promise<{ file: string } | { reason: string }> {
  const key = sha256Hex(`${files.contentHash}|${JSON.stringify(options)}|${CONVERSION_VERSION}`).slice(0, 16);
  const file = path.join(graphDir(cacheDir), `${key}${GRAPH}`);
  const unsupported = path.join(graphDir(cacheDir), `${key}${UNSUPPORTED}`);
  if (await exists(file)) return { file };
  if (await exists(unsupported)) return { reason: (await fs.readFile(unsupported, 'utf8')).trim() };
  try {
    await writeFileAtomic(file, convertModelFiles(files, options));
    return { file };
  } catch (error) {
    if (!(error instanceof OnnxConversionError)) throw error;
    await writeFileAtomic(unsupported, `${error.message}\n`);
    return { reason: error.message };
  }
}

/** Removes every stored graph (and note) but `keep`; returns how many files went. */
export async function pruneGraphs(cacheDir: string, keep?: string): Promise<number> {
  const names = await fs.readdir(graphDir(cacheDir)).catch(() => [] as string[]);
  const gone = names.filter((name) => path.join(graphDir(cacheDir), name) !== keep && (name.endsWith(GRAPH) || name.endsWith(UNSUPPORTED)));
  for (const name of gone) await fs.rm(path.join(graphDir(cacheDir), name), { force: true });
  return gone.length;
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
