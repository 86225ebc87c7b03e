/**
 * A scale fixture on disk: `files` generated small JPEGs (distinct bytes) in 10 class folders, each hashed
 * into the stat cache and given a stand-in vector in the bottleneck cache (they are not photos, so nothing
 * is inferred). Shared by bench/scale.ts and bench/scale-child.ts.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { bottleneckKey } from '../src/store/keys.js';
import { RetrainCache } from '../src/store/retrain-cache.js';
import { hashFile } from '../src/images/hash-file.js';
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

export async function generateImages(root: string, files: number): Promise<void> {
  const base = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } }).jpeg().toBuffer();
  await fs.rm(root, { recursive: true, force: true });
  for (let c = 0; c < CLASSES; c++) await fs.mkdir(path.join(root, `class_${c}`), { recursive: true });
  const writes: Promise<void>[] = [];
  for (let i = 0; i < files; i++) {
    // Distinct content: a trailer after the end-of-image marker.
    const bytes = Buffer.concat([base, Buffer.from(`#${i}`)]);
    writes.push(fs.writeFile(imagePath(root, i), bytes));
    if (writes.length >= 256) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
}

export function imagePath(root: string, i: number): string {
  return path.join(root, `class_${i % CLASSES}`, `img_${i}.jpg`);
}

/** Hashes image 0..files-1 (filling the stat cache) and stores their stand-in vectors, in slices. */
export async function fillCache(cacheDir: string, root: string, files: number, identity: ModelIdentity): Promise<void> {
  const cache = RetrainCache.open(cacheDir);
  const SLICE = 4096;
  for (let start = 0; start < files; start += SLICE) {
    const end = Math.min(files, start + SLICE);
    const hashes = await Promise.all(Array.from({ length: end - start }, (_, j) => hashFile(cache, imagePath(root, start + j))));
    hashes.forEach((hash, j) => void cache.putBottleneck(bottleneckKey(identity, hash), standInVector(start + j)));
    await cache.flushed();
  }
  await cache.close();
}
