/**
 * Remote cache and queue figures for BENCHMARKS.md (`npm run build && node build/bench/remote.js`): starts
 * the real servers (bench/services.ts), then measures
 * - vectors/s up and down through the remote cache (RemoteCache, 16 in flight) against the local LMDB;
 * - a cold build computed locally against the same build computed by 2 `retrain worker`s through BullMQ.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RetrainCache } from '../src/cache/retrain-cache.js';
import { resolveConfig } from '../src/config/resolved-config.js';
import { build } from '../src/pipeline/build.js';
import { DEFAULT_TUNING, RemoteCache } from '../src/store/remote-cache.js';
import { startServices } from './services.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHARED = path.resolve(process.env.RETRAIN_SHARED ?? path.join(ROOT, '../shared'));
const VECTORS = Number(process.env.BENCH_REMOTE_VECTORS ?? 1000);
const IMAGES_PER_CLASS = Number(process.env.BENCH_QUEUE_PER_CLASS ?? 40);

const services = await startServices();
Object.assign(process.env, services.env, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'retrain-bench-remote-'));
const lines: string[] = [];
try {
  const vectors = Array.from({ length: VECTORS }, (_, i) => ({ key: `bench:v1:${i.toString(16).padStart(64, '0')}`, vector: Float32Array.from({ length: 1280 }, (_, j) => Math.sin(i * 1280 + j)) }));
  // A long deadline: on a loaded 2-core machine Swift itself can take seconds per request.
  const remote = new RemoteCache({ url: `s3://${services.bucket}/bench`, readOnly: false, required: true }, { ...DEFAULT_TUNING, timeoutMs: 30_000 });
  let started = performance.now();
  await Promise.all(vectors.map(({ key, vector }) => remote.putVector(key, vector)));
  await remote.flush();
  const up = VECTORS / ((performance.now() - started) / 1000);
  started = performance.now();
  const back = await Promise.all(vectors.map(({ key }) => remote.getVector(key)));
  const down = VECTORS / ((performance.now() - started) / 1000);
  if (back.some((v) => !v) || remote.counts.errors > 0) throw new Error(`remote: ${JSON.stringify(remote.counts)}`);
  remote.close();

  const cache = RetrainCache.open(path.join(work, 'lmdb'));
  started = performance.now();
  await Promise.all(vectors.map(({ key, vector }) => cache.putBottleneck(key, vector)));
  await cache.flushed();
  const localUp = VECTORS / ((performance.now() - started) / 1000);
  started = performance.now();
  for (const { key } of vectors) cache.getBottleneck(key);
  const localDown = VECTORS / ((performance.now() - started) / 1000);
  await cache.close();
  lines.push(
    `Remote cache, ${VECTORS} vectors of 1280 floats (5 KB + header), OpenStack Swift s3api on the same 2 cores, 16 requests in flight:`,
    '',
    '| store | up (vectors/s) | down (vectors/s) |',
    '|---|---|---|',
    `| remote (Swift s3api; HEAD + PUT, as Swift has no conditional PUT) | ${up.toFixed(0)} | ${down.toFixed(0)} |`,
    `| local LMDB | ${localUp.toFixed(0)} | ${localDown.toFixed(0)} |`,
    '',
  );

  // Queue: the same cold build, local vs two single-thread workers.
  const images = path.join(work, 'images');
  for (const label of ['ants', 'bees']) {
    const from = path.join(SHARED, 'datasets/hymenoptera_data/train', label);
    const names = (await fs.readdir(from)).filter((n) => n.endsWith('.jpg')).sort().slice(0, IMAGES_PER_CLASS);
    await fs.mkdir(path.join(images, label), { recursive: true });
    for (const name of names) await fs.copyFile(path.join(from, name), path.join(images, label, name));
  }
  const config = (name: string, remoteCache?: string) =>
    resolveConfig({ imageDir: images, model: path.join(SHARED, 'models/mobilenet_v2_035_224'), train: { steps: 100 }, workers: 2, cacheDir: path.join(work, `${name}-cache`), outputDir: path.join(work, `${name}-out`), remoteCache }, work);
  const local = await build(config('local'));
  const workers: ChildProcess[] = await Promise.all(
    ['a', 'b'].map(
      (name) =>
        new Promise<ChildProcess>((resolve, reject) => {
          const child = spawn(process.execPath, [path.join(ROOT, 'bin/retrain.js'), 'worker', '--queue', services.redisUrl, '--workers', '1', '--cache-dir', path.join(work, `${name}-models`)], { stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr!.on('data', (chunk: Buffer) => ((stderr += chunk), stderr.includes('waiting for bottleneck jobs') && resolve(child)));
          child.once('exit', () => reject(new Error(stderr)));
        }),
    ),
  );
  const queued = await build(config('queued', `s3://${services.bucket}/queue`), { queue: services.redisUrl });
  for (const child of workers) child.kill('SIGTERM');
  await Promise.all(workers.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))));
  const n = IMAGES_PER_CLASS * 2;
  lines.push(
    `Cold build of ${n} photos (MobileNetV2 0.35, ${local.backend}, 100 training steps), all processes on the same 2 cores:`,
    '',
    '| run | bottlenecks computed | build time (s) | images/s |',
    '|---|---|---|---|',
    `| local, 2 worker threads | ${local.bottlenecksComputed} | ${(local.durationMs / 1000).toFixed(1)} | ${(n / (local.durationMs / 1000)).toFixed(1)} |`,
    `| queue, 2 \`retrain worker\`s of 1 thread (BullMQ) + remote cache | ${queued.bottlenecksComputed} | ${(queued.durationMs / 1000).toFixed(1)} | ${(n / (queued.durationMs / 1000)).toFixed(1)} |`,
  );
  process.stdout.write(lines.join('\n') + '\n');
} finally {
  await services.stop();
  await fs.rm(work, { recursive: true, force: true });
}
