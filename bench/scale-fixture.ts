/**
 * A scale fixture on disk: `files` generated small JPEGs (distinct bytes) in 10 class folders, each hashed
 * into the stat cache and given a stand-in vector in the bottleneck cache (they are not photos, so nothing
 * is inferred). Shared by bench/scale.ts and bench/scale-child.ts.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { writeFileSync, statSync } from 'node:fs';
import { bottleneckKey, contentKey } from '../src/store/keys.js';
import { RetrainCache } from '../src/store/retrain-cache.js';
import type { ModelIdentity } from '../src/engine/model-identity.js';

export const CLASSES = 10;
export const FEATURES = 1280;

/** Folders inside a fixture's work folder. */
export function fixturePaths(work: string) {
  return { root: path.join(work, 'images'), cacheDir: path.join(work, 'cache'), outputDir: path.join(work, 'out') };
}

/** The stand-in vector of generated image `i`: two ones-ish, so classes are learnable and vectors distinct. */
export function standInVector(i: number): Float32Array {
  const vector = new Float32Array(FEATURES);
  vector[i % FEATURES] = 1;
  vector[(i * 7) % FEATURES] += (i % CLASSES) / CLASSES;
  return vector;
}

/**
 * Writes image 0..files-1 (synchronous writes: a promise per file costs more than the write, and nothing
 * here needs to be durable) and returns each one's content hash, in file order.
 */
export async function generateImages(root: string, files: number): Promise<string[]> {
  const base = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } }).jpeg().toBuffer();
  await fs.rm(root, { recursive: true, force: true });
  for (let c = 0; c < CLASSES; c++) await fs.mkdir(path.join(root, `class_${c}`), { recursive: true });
  const hashes: string[] = new Array(files);
  for (let i = 0; i < files; i++) {
    // Distinct content: a trailer after the end-of-image marker.
    const bytes = Buffer.concat([base, Buffer.from(`#${i}`)]);
    writeFileSync(imagePath(root, i), bytes);
    hashes[i] = contentKey(bytes);
  }
  return hashes;
}

export function imagePath(root: string, i: number): string {
  return path.join(root, `class_${i % CLASSES}`, `img_${i}.jpg`);
}

/**
 * Fills the stat cache for image 0..files-1 and stores their stand-in vectors under their real keys, as the
 * build would: in key order (sequential B-tree inserts) and in large batches (one commit each), so a million
 * files take minutes, not hours.
 */
export async function fillCache(cacheDir: string, root: string, hashes: readonly string[], identity: ModelIdentity): Promise<void> {
  const cache = RetrainCache.open(cacheDir);
  const BATCH = 8192;
  const byPath = hashes.map((_, i) => ({ i, file: imagePath(root, i) })).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (let start = 0; start < byPath.length; start += BATCH) {
    for (const { i, file } of byPath.slice(start, start + BATCH)) {
      const stat = statSync(file);
      void cache.putFileRecord(file, { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, sha256: hashes[i]! });
    }
    await cache.flushed();
  }
  const byKey = hashes.map((hash, i) => ({ i, key: bottleneckKey(identity, hash) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (let start = 0; start < byKey.length; start += BATCH) {
    for (const { i, key } of byKey.slice(start, start + BATCH)) void cache.putBottleneck(key, standInVector(i));
    await cache.flushed();
  }
  await cache.close();
}
