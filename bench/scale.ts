/**
 * How a build grows with the number of files: generated small JPEGs (distinct bytes) with stand-in vectors
 * in the cache (they are not photos: nothing is inferred). Per count: scan + hash cold and warm and the
 * key look-ups, in this process; then a training build and a no-op rebuild, each in its own process
 * (bench/scale-child.ts) so its peak memory is its own.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { checkCacheFile } from '../src/store/cache-file-check.js';
import { readWalkRecord } from '../src/store/cache-walk-record.js';
import { bottleneckKey } from '../src/store/keys.js';
import { RetrainCache } from '../src/store/retrain-cache.js';
import { hashFile } from '../src/images/hash-file.js';
import { selectEngine } from '../src/engine/feature-engine.js';
import { resolveModel } from '../src/engine/model/resolve-model.js';
import { scanImageDirs } from '../src/images/scan-image-dirs.js';
import type { ChildBuild } from './scale-child.js';
import { fillCache, fixturePaths, generateImages } from './scale-fixture.js';
import { upToDateRecordFile } from '../src/pipeline/up-to-date-record.js';
import { stageRecordFile } from '../src/pipeline/stage-record.js';

export interface ScaleRow {
  files: number;
  /** In-process scan + hash measurements, up to `inProcessUpTo` files. */
  coldScanHashSeconds?: number;
  warmScanHashSeconds?: number;
  lookupSeconds?: number;
  /** The first build: scan, hash (warm), look-ups, split, streamed training (100 steps), evaluation, export. */
  train?: ChildBuild;
  /** The rebuild with nothing changed: answered by the up-to-date record. */
  noop?: ChildBuild;
  /** The same rebuild without the up-to-date record: every stage's own up-to-date check (the full path). */
  noopFull?: ChildBuild;
  /** The open-time check of the cache file after the builds: with the B-tree page walk, and skipped (walk record). */
  openCheck?: { walkSeconds: number; skipSeconds: number };
  /** Size of the stage record (`<cacheDir>/stages/<hash>.json`) after the builds. */
  stageRecordMB?: number;
  rssMB: number;
}

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'scale-child.js');

async function scanAndHash(cache: RetrainCache, root: string): Promise<string[]> {
  const { images } = await scanImageDirs([root]);
  const hashes: string[] = new Array(images.count);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < images.count) {
        const i = next++;
        hashes[i] = await hashFile(cache, images.path(i));
      }
    }),
  );
  return hashes;
}

async function seconds<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await work();
  return [value, (performance.now() - start) / 1000];
}

async function childBuild(work: string, modelDir: string): Promise<ChildBuild> {
  const { stdout } = await promisify(execFile)(process.execPath, [CHILD, 'build', work, modelDir], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildBuild;
}

/**
 * One row per file count. `buildsUpTo`: also run the measured builds up to this many files; `inProcessUpTo`:
 * the in-process cold and warm scan + hash and the key look-ups up to this many (a million files are hashed
 * by the fixture itself, from the bytes it writes).
 */
export async function measureScale(modelDir: string, counts: number[], buildsUpTo: number, inProcessUpTo = 100_000): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  const model = await resolveModel(modelDir, {}, os.tmpdir());
  const { identity } = await selectEngine('auto', model, os.tmpdir());
  for (const files of counts) {
    const work = await fs.mkdtemp(path.join(os.tmpdir(), `retrain-scale-${files}-`));
    const { root, cacheDir, outputDir } = fixturePaths(work);
    try {
      const generated = await generateImages(root, files);
      const row: ScaleRow = { files, rssMB: 0 };
      if (files <= inProcessUpTo) {
        const cache = RetrainCache.open(cacheDir);
        const [hashes, coldScanHashSeconds] = await seconds(() => scanAndHash(cache, root));
        await cache.flushed();
        const [, warmScanHashSeconds] = await seconds(() => scanAndHash(cache, root));
        const keys = hashes.map((h) => bottleneckKey(identity, h));
        const [, lookupSeconds] = await seconds(async () => keys.filter((key) => cache.containsBottleneck(key)).length);
        Object.assign(row, { coldScanHashSeconds, warmScanHashSeconds, lookupSeconds });
        await cache.close();
      }
      // The stat cache and the stand-in vectors under the files' real keys, in key order.
      if (files <= buildsUpTo) await fillCache(cacheDir, root, generated, identity);
      row.rssMB = process.memoryUsage().rss / 2 ** 20;
      if (files <= buildsUpTo) {
        row.train = await childBuild(work, modelDir);
        if (!row.train.trained) throw new Error(`the first build at ${files} files did not train`);
        row.noop = await childBuild(work, modelDir);
        if (!row.noop.upToDate || row.noop.bottlenecksComputed !== 0 || row.noop.trained || row.noop.exported) throw new Error(`no-op build at ${files} files did work or was not up to date from its record`);
        // The full path: the same no-op without the up-to-date record (it writes the record again).
        await fs.rm(upToDateRecordFile(cacheDir, outputDir));
        row.noopFull = await childBuild(work, modelDir);
        if (row.noopFull.upToDate || row.noopFull.bottlenecksComputed !== 0 || row.noopFull.trained) throw new Error(`full-path no-op build at ${files} files did work`);
        row.openCheck = await measureOpenCheck(path.join(cacheDir, 'cache.lmdb'));
        row.stageRecordMB = (await fs.stat(stageRecordFile(cacheDir, outputDir))).size / 2 ** 20;
      }
      rows.push(row);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }
  return rows;
}

/** The cache file's open-time check, walking its B-tree pages and skipped by the record the builds left. */
async function measureOpenCheck(file: string): Promise<{ walkSeconds: number; skipSeconds: number }> {
  const [walked, walkSeconds] = await seconds(async () => checkCacheFile(file));
  const trusted = readWalkRecord(file);
  const [skipped, skipSeconds] = await seconds(async () => checkCacheFile(file, { trusted }));
  if (walked.state !== 'ok' || !walked.walked || skipped.state !== 'ok' || skipped.walked) throw new Error(`open check of ${file}: ${walked.state}, ${skipped.state} (no walk record after the builds?)`);
  return { walkSeconds, skipSeconds };
}
