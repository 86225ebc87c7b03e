/**
 * Converted ONNX feature graphs on disk, in `<cacheDir>/onnx/`: one file per model content + conversion
 * options, made on first use (converted, then checked by running it once, then written atomically) and
 * found after. A model that does not convert, or whose graph onnxruntime refuses, leaves a note with the
 * reason, so that is not tried on every build.
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
/** Graphs used within this long are kept by `pruneGraphs`: another process may be about to load one. */
const GRACE_MS = 60 * 60 * 1000;

export function graphDir(cacheDir: string): string {
  return path.join(cacheDir, 'onnx');
}

/**
 * The graph file of a model, converting it on first use; or why the model cannot run on onnxruntime.
 * `check` runs a freshly converted graph once and throws when onnxruntime refuses it.
 */
export async function storedGraph(
  files: ModelFiles,
  options: ConversionOptions,
  cacheDir: string,
  check: (graph: Uint8Array) => Promise<void>,
): Promise<{ file: string } | { reason: string }> {
  const key = sha256Hex(`${files.contentHash}|${JSON.stringify(options)}|${CONVERSION_VERSION}`).slice(0, 16);
  const file = path.join(graphDir(cacheDir), `${key}${GRAPH}`);
  const unsupported = path.join(graphDir(cacheDir), `${key}${UNSUPPORTED}`);
  if (await touch(file)) return { file };
  const known = await fs.readFile(unsupported, 'utf8').catch(() => undefined);
  if (known !== undefined) return { reason: known.trim() };
  let graph: Uint8Array;
  try {
    graph = convertModelFiles(files, options);
    await check(graph);
  } catch (error) {
    const reason =
      error instanceof OnnxConversionError ? error.message : `onnxruntime refuses the converted graph (${(error as Error).message.split('\n')[0]})`;
    // Remembered only when it is about the model, and only if the cache folder takes it.
    await writeFileAtomic(unsupported, `${reason}\n`).catch(() => undefined);
    return { reason };
  }
  await writeFileAtomic(file, graph);
  return { file };
}

/**
 * Removes stored graphs (and notes and leftover temp files) other than `keep` that no build has used
 * for an hour; returns how many files went.
 */
export async function pruneGraphs(cacheDir: string, keep?: string): Promise<number> {
  const dir = graphDir(cacheDir);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const file = path.join(dir, name);
    if (file === keep) continue;
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat || Date.now() - stat.mtimeMs < GRACE_MS) continue;
    await fs.rm(file, { force: true });
    removed++;
  }
  return removed;
}

/** Marks a graph as used now (for pruneGraphs); false when there is no such file. */
async function touch(file: string): Promise<boolean> {
  const now = new Date();
  return fs.utimes(file, now, now).then(
    () => true,
    (error: NodeJS.ErrnoException) => error.code !== 'ENOENT' && fs.access(file).then(() => true, () => false),
  );
}
