/**
 * Converted ONNX feature graphs on disk, in `<cacheDir>/onnx/`: one file per model content + conversion
 * options, made on first use (converted, then checked by running it once, then written atomically) and
 * found after. A model that does not convert, or whose graph onnxruntime refuses, leaves a note with the
 * reason, so that is not tried on every build. Beside each graph, `<key>.onnx.crc32` holds the checksum of
 * key + graph; a graph that does not match it (damaged on disk) is converted again, and a graph without one
 * (an older cache) is too.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ModelFiles } from '../model/read-model-files.js';
import zlib from 'node:zlib';
import { writeFileAtomic } from '../../util/atomic-write.js';
import type { GraphShare } from '../../store/graph-share.js';
import { convertedGraphKey } from '../../store/keys.js';
import { convertModelFiles } from './convert-model.js';
import { OnnxConversionError, type ConversionOptions } from './keras-to-onnx.js';

const GRAPH = '.onnx';
const UNSUPPORTED = '.unsupported.txt';
const DIGEST = '.crc32';
/** Graphs used within this long are kept by `pruneGraphs`: another process may be about to load one. */
const GRACE_MS = 60 * 60 * 1000;

export function graphDir(cacheDir: string): string {
  return path.join(cacheDir, 'onnx');
}

export type { GraphShare };

/**
 * The graph file of a model, converting it on first use; or why the model cannot run on onnxruntime.
 * `check` runs a freshly converted graph once and throws when onnxruntime refuses it. With `shared`, a graph
 * missing here is first looked for there (checked by running it once, like a converted one), and a graph
 * converted here is put there.
 */
/**
 * The converted graph already in the cache folder and matching its checksum (touched, as storedGraph does),
 * or undefined: what a rebuild uses to pick onnxruntime without loading it.
 */
export async function readyGraph(files: Pick<ModelFiles, 'contentHash'>, options: ConversionOptions, cacheDir: string): Promise<string | undefined> {
  const file = path.join(graphDir(cacheDir), `${convertedGraphKey(files.contentHash, options)}${GRAPH}`);
  if (!(await touch(file))) return undefined;
  await touch(`${file}${DIGEST}`);
  return (await checkStoredGraph(file)) === 'ok' ? file : undefined;
}

export async function storedGraph(
  files: ModelFiles,
  options: ConversionOptions,
  cacheDir: string,
  check: (graph: Uint8Array) => Promise<void>,
  shared?: GraphShare,
): Promise<{ file: string; damaged?: boolean } | { reason: string }> {
  const key = convertedGraphKey(files.contentHash, options);
  const file = path.join(graphDir(cacheDir), `${key}${GRAPH}`);
  const unsupported = path.join(graphDir(cacheDir), `${key}${UNSUPPORTED}`);
  let damaged = false;
  if (await touch(file)) {
    await touch(`${file}${DIGEST}`);
    const check = await checkStoredGraph(file);
    if (check === 'ok') return { file };
    damaged = check === 'damaged';
  }
  const known = await fs.readFile(unsupported, 'utf8').catch(() => undefined);
  if (known !== undefined) return { reason: known.trim() };
  const fetched = await shared?.get(key).catch(() => undefined);
  if (fetched && (await check(fetched).then(() => true, () => false))) {
    await writeFileAtomic(file, fetched);
    await writeFileAtomic(`${file}${DIGEST}`, `${graphDigest(file, fetched)}\n`);
    return damaged ? { file, damaged } : { file };
  }
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
  await writeFileAtomic(`${file}${DIGEST}`, `${graphDigest(file, graph)}\n`);
  await shared?.put(key, graph).catch(() => undefined);
  return damaged ? { file, damaged } : { file };
}

/** Whether a stored graph matches its checksum: 'ok', 'damaged', or 'unchecked' (no checksum beside it). */
export async function checkStoredGraph(file: string): Promise<'ok' | 'damaged' | 'unchecked'> {
  const expected = await fs.readFile(`${file}${DIGEST}`, 'utf8').catch(() => undefined);
  if (expected === undefined) return 'unchecked';
  const graph = await fs.readFile(file).catch(() => undefined);
  return graph && graphDigest(file, graph) === expected.trim() ? 'ok' : 'damaged';
}

/**
 * Checks every stored graph against its checksum and removes the damaged ones (graph and checksum: the
 * next build converts the model again); returns the files removed.
 */
export async function verifyGraphs(cacheDir: string): Promise<{ checked: number; removed: string[] }> {
  const dir = graphDir(cacheDir);
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith(GRAPH));
  const removed: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    if ((await checkStoredGraph(file)) !== 'damaged') continue;
    await fs.rm(`${file}${DIGEST}`, { force: true });
    await fs.rm(file, { force: true });
    removed.push(file);
  }
  return { checked: names.length, removed };
}

/** CRC-32 of the graph's key (its file name) and bytes, as hex. */
function graphDigest(file: string, graph: Uint8Array): string {
  return zlib.crc32(graph, zlib.crc32(path.basename(file))).toString(16).padStart(8, '0');
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
    if (file === keep || file === `${keep}${DIGEST}`) continue;
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
