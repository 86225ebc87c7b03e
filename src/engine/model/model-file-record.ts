/**
 * A TF.js model's content hash (over model.json and every weight file), kept in `<cacheDir>/onnx/` beside the
 * ONNX models' facts and used again while model.json and each weight file have the size, mtime and inode they
 * had when they were read (as the stat cache answers for image hashes, and onnx-file-facts for ONNX models), so a
 * rebuild reads model.json but does not read and hash the weights again. A record that is missing, unreadable or
 * stale costs a read of the model, never a wrong answer.
 */
import { statSync, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../../util/content-hash.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { readModelFiles, type ModelFiles } from './read-model-files.js';
import type { ModelJson } from './weights-manifest.js';

/** What identifies a TF.js model: its model.json and the content hash of it and its weights. */
export type ModelFacts = Pick<ModelFiles, 'json' | 'contentHash'>;

interface FileStat {
  file: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

interface HashRecord {
  modelJson: string;
  files: FileStat[];
  contentHash: string;
}

const recordFile = (cacheDir: string, modelJson: string) =>
  path.join(cacheDir, 'onnx', `tfjs-hash-${sha256Hex(path.resolve(modelJson)).slice(0, 16)}.json`);

/** model.json and its weight files, in the order the content hash reads them. */
function modelFileList(modelJson: string, json: ModelJson): string[] {
  const dir = path.dirname(modelJson);
  return [modelJson, ...(json.weightsManifest ?? []).flatMap((group) => group.paths.map((shard) => path.join(dir, shard)))];
}

function statsOf(files: string[]): FileStat[] | undefined {
  const stats: FileStat[] = [];
  for (const file of files) {
    const stat: Stats | undefined = statSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile()) return undefined;
    stats.push({ file: path.resolve(file), size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino });
  }
  return stats;
}

const sameStats = (a: FileStat[], b: FileStat[]) =>
  a.length === b.length && a.every((s, i) => s.file === b[i]!.file && s.size === b[i]!.size && s.mtimeMs === b[i]!.mtimeMs && s.ino === b[i]!.ino);

/**
 * model.json and the model's content hash: from the record when no file changed since it was made, else by
 * reading every file (then `files` are returned too, so the caller need not read them again).
 */
export async function readModelFacts(modelJson: string, cacheDir: string): Promise<ModelFacts & { files?: ModelFiles }> {
  const before = statSync(modelJson, { throwIfNoEntry: false });
  if (before?.isFile()) {
    const [jsonText, record] = await Promise.all([
      fs.readFile(modelJson, 'utf8'),
      fs
        .readFile(recordFile(cacheDir, modelJson), 'utf8')
        .then((text) => JSON.parse(text) as HashRecord)
        .catch(() => undefined),
    ]);
    let json: ModelJson | undefined;
    try {
      json = JSON.parse(jsonText) as ModelJson;
    } catch {
      json = undefined; // readModelFiles says what is wrong with it
    }
    if (json && record && typeof record.contentHash === 'string' && Array.isArray(record.files) && record.modelJson === path.resolve(modelJson)) {
      const now = statsOf(modelFileList(modelJson, json));
      if (now && sameStats(now, record.files)) return { json, contentHash: record.contentHash };
    }
  }
  // Taken before the files are read, so a change while reading is seen next time.
  const stats = await fs
    .readFile(modelJson, 'utf8')
    .then((text) => statsOf(modelFileList(modelJson, JSON.parse(text) as ModelJson)))
    .catch(() => undefined);
  const files = await readModelFiles(modelJson);
  if (stats && sameStats(stats, statsOf(modelFileList(modelJson, files.json)) ?? [])) {
    const record: HashRecord = { modelJson: path.resolve(modelJson), files: stats, contentHash: files.contentHash };
    await writeFileAtomic(recordFile(cacheDir, modelJson), JSON.stringify(record)).catch(() => undefined);
  }
  return { json: files.json, contentHash: files.contentHash, files };
}
