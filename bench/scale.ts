/**
 * How scanning, hashing and cache look-ups grow with the number of files: generated small JPEGs (distinct
 * bytes), hashed but not inferred, then a no-op rebuild over them with their vectors in the cache.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { bottleneckKey } from '../src/store/keys.js';
import { RetrainCache } from '../src/cache/retrain-cache.js';
import { resolveConfig } from '../src/config/resolved-config.js';
import { hashFile } from '../src/hash/hash-file.js';
import { selectEngine } from '../src/model/engine.js';
import { resolveModel } from '../src/model/resolve-model.js';
import { build } from '../src/pipeline/build.js';
import { scanImageDirs } from '../src/scan/scan-image-dirs.js';

export interface ScaleRow {
  files: number;
  coldScanHashSeconds: number;
  warmScanHashSeconds: number;
  lookupSeconds: number;
  noopBuildSeconds?: number;
  rssMB: number;
}

const CLASSES = 10;

async function generate(root: string, files: number): Promise<void> {
  const base = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } }).jpeg().toBuffer();
  await fs.rm(root, { recursive: true, force: true });
  for (let c = 0; c < CLASSES; c++) await fs.mkdir(path.join(root, `class_${c}`), { recursive: true });
  const writes: Promise<void>[] = [];
  for (let i = 0; i < files; i++) {
    // Distinct content: a JPEG comment-free trailer after the end-of-image marker.
    const bytes = Buffer.concat([base, Buffer.from(`#${i}`)]);
    writes.push(fs.writeFile(path.join(root, `class_${i % CLASSES}`, `img_${i}.jpg`), bytes));
    if (writes.length >= 256) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
}

async function scanAndHash(cache: RetrainCache, root: string): Promise<string[]> {
  const { images } = await scanImageDirs([root]);
  const hashes: string[] = new Array(images.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < images.length) {
        const i = next++;
        hashes[i] = await hashFile(cache, images[i]!.path);
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

/** One row per file count. `noopUpTo`: also time a whole no-op `build` up to this many files. */
export async function measureScale(modelDir: string, counts: number[], noopUpTo: number): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  const model = await resolveModel(modelDir, {}, os.tmpdir());
  const { identity } = await selectEngine('auto', model, os.tmpdir());
  for (const files of counts) {
    const work = await fs.mkdtemp(path.join(os.tmpdir(), `retrain-scale-${files}-`));
    const root = path.join(work, 'images');
    await generate(root, files);
    const cacheDir = path.join(work, 'cache');
    const cache = RetrainCache.open(cacheDir);
    const [hashes, coldScanHashSeconds] = await seconds(() => scanAndHash(cache, root));
    await cache.flushed();
    const [, warmScanHashSeconds] = await seconds(() => scanAndHash(cache, root));
    const [, lookupSeconds] = await seconds(async () => hashes.filter((h) => cache.hasBottleneck(bottleneckKey(identity, h))).length);
    const row: ScaleRow = { files, coldScanHashSeconds, warmScanHashSeconds, lookupSeconds, rssMB: process.memoryUsage().rss / 2 ** 20 };
    if (files <= noopUpTo) {
      // Stand-in vectors for the generated files (they are not photos), then one real build to train and
      // export, then the no-op rebuild that is measured.
      for (const [i, hash] of hashes.entries()) {
        const vector = new Float32Array(1280);
        vector[i % 1280] = 1;
        vector[(i * 7) % 1280] += (i % CLASSES) / CLASSES;
        void cache.putBottleneck(bottleneckKey(identity, hash), vector);
      }
      await cache.flushed();
      const config = resolveConfig({ imageDir: root, model: modelDir, cacheDir, outputDir: path.join(work, 'out'), train: { steps: 100 } }, work);
      await cache.close();
      await build(config);
      const [result, noopSeconds] = await seconds(() => build(config));
      if (result.bottlenecksComputed !== 0 || result.trained || result.exported) throw new Error(`no-op build at ${files} files did work`);
      row.noopBuildSeconds = noopSeconds;
    } else {
      await cache.close();
    }
    row.rssMB = Math.max(row.rssMB, process.memoryUsage().rss / 2 ** 20);
    rows.push(row);
    await fs.rm(work, { recursive: true, force: true });
  }
  return rows;
}
