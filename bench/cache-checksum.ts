/**
 * What the per-value checksum costs on the warm path (`node build/bench/cache-checksum.js [files] [no-op]`):
 * the digest candidates on one 1280-float vector, then look-ups of N cached vectors in a real LMDB cache
 * checked (RetrainCache.hasBottleneck: read + CRC-32) against LMDB's bare existence test, then (with `no-op`) a
 * whole no-op rebuild over N generated files (bench/scale.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { open } from 'lmdb';
import { RetrainCache } from '../src/store/retrain-cache.js';
import { crc32c } from '../src/report/crc32c.js';
import { measureScale } from './scale.js';

const files = Number(process.argv[2] ?? 10_000);
const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const MODEL = path.join(path.resolve(process.env.RETRAIN_SHARED ?? path.join(REPO, '../shared')), 'models/mobilenet_v2_035_224');

function perCall(work: () => void, calls: number): number {
  for (let i = 0; i < Math.min(calls, 2000); i++) work();
  const start = performance.now();
  for (let i = 0; i < calls; i++) work();
  return ((performance.now() - start) * 1000) / calls;
}

const vector = new Uint8Array(Float32Array.from({ length: 1280 }, (_, i) => Math.sin(i)).buffer);
const digests: [string, () => unknown][] = [
  ['CRC-32 (zlib, native)', () => zlib.crc32(vector)],
  ['CRC-32C (src/report, JS)', () => crc32c(vector)],
  ['SHA-256 (node:crypto)', () => createHash('sha256').update(vector).digest()],
];
console.log('digest of one 1280-float vector (µs):');
for (const [name, work] of digests) console.log(`  ${name}: ${perCall(work, 50_000).toFixed(2)}`);

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'retrain-checksum-bench-'));
const cache = RetrainCache.open(dir);
const keys = Array.from({ length: files }, (_, i) => `model:prep:${i.toString(16).padStart(64, '0')}`);
for (const [i, key] of keys.entries()) void cache.putBottleneck(key, new Float32Array(1280).fill(i));
await cache.flushed();
const bare = open({ path: path.join(dir, 'cache.lmdb'), maxDbs: 12 }).openDB<Buffer, string>({ name: 'v2/bottlenecks', encoding: 'binary' });
// Alternating rounds, the fastest of each kept: the machine is shared, the minimum is the cost.
let index = 0;
let checked = Infinity;
let unchecked = Infinity;
for (let round = 0; round < 5; round++) {
  checked = Math.min(checked, perCall(() => cache.hasBottleneck(keys[index++ % files]!), files));
  unchecked = Math.min(unchecked, perCall(() => bare.doesExist(keys[index++ % files]!), files));
}
console.log(`look-up of a cached vector (µs): checked ${checked.toFixed(2)}, bare existence test ${unchecked.toFixed(2)}`);
console.log(`  = ${(((checked - unchecked) * files) / 1e6).toFixed(3)} s more for ${files} files`);
await cache.close();
await fs.rm(dir, { recursive: true, force: true });

if (process.argv[3] === 'no-op') {
  const [row] = await measureScale(MODEL, [files], files);
  console.log(`no-op rebuild of ${files} files: ${row!.noop!.seconds.toFixed(2)} s (look-ups alone ${row!.lookupSeconds?.toFixed(3)} s)`);
}
