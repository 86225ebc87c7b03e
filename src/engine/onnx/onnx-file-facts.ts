/**
 * What preparing an ONNX model learns by reading the file (its content hash, the key of its cut, its tensor
 * names), kept beside the cut graphs in `<cacheDir>/onnx/` and used again while the file's size, mtime and
 * inode are those it had when it was read (as the stat cache answers for image hashes), so a rebuild does not
 * read, hash and decode the model again. One record per model file, options and cut version; a record that
 * is missing, unreadable or stale costs a read of the model, never a wrong answer.
 */
import { statSync, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../../util/content-hash.js';
import { writeFileAtomic } from '../../util/atomic-write.js';

export interface OnnxFileFacts {
  contentHash: string;
  /** The cut's key (its files are `<key>.onnx` and `<key>.cut.json`). */
  key: string;
  names: string[];
}

interface FactsRecord extends OnnxFileFacts {
  modelFile: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

/** The file's stat to record with the facts: taken before the file is read, so a change while reading is seen next time. */
export function statForFacts(modelFile: string): Stats | undefined {
  return statSync(modelFile, { throwIfNoEntry: false });
}

function recordFile(cacheDir: string, modelFile: string, settings: unknown): string {
  return path.join(cacheDir, 'onnx', `facts-${sha256Hex(JSON.stringify([path.resolve(modelFile), settings])).slice(0, 16)}.json`);
}

/** The facts recorded for this file and settings, if the file is unchanged since. */
export async function readOnnxFileFacts(cacheDir: string, modelFile: string, settings: unknown): Promise<OnnxFileFacts | undefined> {
  const stat = statForFacts(modelFile);
  if (!stat?.isFile()) return undefined;
  const record = await fs
    .readFile(recordFile(cacheDir, modelFile, settings), 'utf8')
    .then((text) => JSON.parse(text) as FactsRecord)
    .catch(() => undefined);
  if (!record || record.modelFile !== path.resolve(modelFile)) return undefined;
  if (record.size !== stat.size || record.mtimeMs !== stat.mtimeMs || record.ino !== stat.ino) return undefined;
  if (typeof record.contentHash !== 'string' || typeof record.key !== 'string' || !Array.isArray(record.names)) return undefined;
  return { contentHash: record.contentHash, key: record.key, names: record.names };
}

/** Records the facts of a file read with `stat`; a failure to write only costs the next build a read. */
export async function writeOnnxFileFacts(cacheDir: string, modelFile: string, settings: unknown, stat: Stats | undefined, facts: OnnxFileFacts): Promise<void> {
  if (!stat?.isFile()) return;
  const record: FactsRecord = { modelFile: path.resolve(modelFile), size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, ...facts };
  await writeFileAtomic(recordFile(cacheDir, modelFile, settings), JSON.stringify(record)).catch(() => undefined);
}
