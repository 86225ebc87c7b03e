/**
 * Remote cache and queue figures for BENCHMARKS.md. Part of `npm run bench` (bench/run.ts); alone:
 * `npm run build && npx tsc -p tsconfig.json && node build/bench/remote.js` prints the section. Starts the real
 * servers (bench/services.ts) and stops them after; where redis-server or Swift are not installed the section
 * says so and the rest of the bench goes on. Measures
 * - vectors/s up and down through the remote cache (RemoteCache) at several request concurrencies, against
 *   the local LMDB;
 * - a cold build computed locally against the same build computed by 2 `retrain worker`s through BullMQ.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RetrainCache } from '../src/store/retrain-cache.js';
import { resolveConfig } from '../src/config/resolved-config.js';
import { build } from '../src/pipeline/build.js';
import { DEFAULT_TUNING, RemoteCache } from '../src/store/remote-cache.js';
import { servicesMissing, startServices } from './services.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHARED = path.resolve(process.env.RETRAIN_SHARED ?? path.join(ROOT, '../shared'));

export interface RemoteBench {
  vectors: number;
  rates: Array<{ concurrency: number; up: number; down: number }>;
  local: { up: number; down: number };
  queue: { images: number; backend: string; local: { computed: number; seconds: number }; queued: { computed: number; seconds: number; workerCpuSeconds: number } };
  /** 1-minute load average at the start and the end. */
  load: [number, number];
  date: string;
}

export type RemoteOutcome = RemoteBench | { skipped: string };

export async function measureRemote(options: { vectors?: number; perClass?: number; concurrencies?: number[] } = {}): Promise<RemoteOutcome> {
  const missing = servicesMissing();
  if (missing) return { skipped: missing };
  const count = options.vectors ?? 200;
  const perClass = options.perClass ?? 30;
  const concurrencies = options.concurrencies ?? [1, 4, 16, 64];
  const loadBefore = os.loadavg()[0]!;
  const services = await startServices();
  const savedEnv = { ...process.env };
  Object.assign(process.env, services.env, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'retrain-bench-remote-'));
  try {
    const vectors = Array.from({ length: count }, (_, i) => ({ key: `bench:v1:${i.toString(16).padStart(64, '0')}`, vector: Float32Array.from({ length: 1280 }, (_, j) => Math.sin(i * 1280 + j)) }));
    const rates: RemoteBench['rates'] = [];
    for (const concurrency of concurrencies) {
      // A long deadline: on a loaded 2-core machine Swift itself can take seconds per request. A fresh prefix
      // per row, so every upload is a real write (HEAD, then PUT: Swift answers 501 to If-None-Match).
      const remote = new RemoteCache({ url: `s3://${services.bucket}/bench-${concurrency}`, readOnly: false, required: true }, { ...DEFAULT_TUNING, concurrency, timeoutMs: 60_000 });
      let started = performance.now();
      await Promise.all(vectors.map(({ key, vector }) => remote.putVector(key, vector)));
      await remote.flush();
      const up = count / ((performance.now() - started) / 1000);
      started = performance.now();
      const back = await Promise.all(vectors.map(({ key }) => remote.getVector(key)));
      const down = count / ((performance.now() - started) / 1000);
      if (back.some((v) => !v) || remote.counts.errors > 0 || remote.counts.uploads !== count) throw new Error(`remote at ${concurrency}: ${JSON.stringify(remote.counts)}`);
      remote.close();
      rates.push({ concurrency, up, down });
      process.stderr.write(`  remote, ${concurrency} in flight: ${up.toFixed(0)} up, ${down.toFixed(0)} down (vectors/s)\n`);
    }

    const cache = RetrainCache.open(path.join(work, 'lmdb'));
    let started = performance.now();
    await Promise.all(vectors.map(({ key, vector }) => cache.putBottleneck(key, vector)));
    await cache.flushed();
    const localUp = count / ((performance.now() - started) / 1000);
    started = performance.now();
    for (const { key } of vectors) cache.getBottleneck(key);
    const localDown = count / ((performance.now() - started) / 1000);
    await cache.close();

    // Queue: the same cold build of the same photos, local vs two single-thread workers.
    const images = path.join(work, 'images');
    for (const label of ['ants', 'bees']) {
      const from = path.join(SHARED, 'datasets/hymenoptera_data/train', label);
      const names = (await fs.readdir(from)).filter((n) => n.endsWith('.jpg')).sort().slice(0, perClass);
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
    // The workers' CPU time (user + system, all threads) before they are stopped: the work happened there.
    const workerCpuSeconds = (await Promise.all(workers.map((child) => cpuSeconds(child.pid!)))).reduce((a, b) => a + b, 0);
    for (const child of workers) child.kill('SIGTERM');
    await Promise.all(workers.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))));
    return {
      vectors: count,
      rates,
      local: { up: localUp, down: localDown },
      queue: {
        images: perClass * 2,
        backend: local.backend,
        local: { computed: local.bottlenecksComputed, seconds: local.durationMs / 1000 },
        queued: { computed: queued.bottlenecksComputed, seconds: queued.durationMs / 1000, workerCpuSeconds },
      },
      load: [loadBefore, os.loadavg()[0]!],
      date: new Date().toISOString().slice(0, 10),
    };
  } finally {
    process.env = savedEnv;
    await services.stop();
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** User + system CPU seconds of a live process (Linux /proc; NaN elsewhere). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return Number.NaN;
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in ticks of 1/100 s.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function renderRemote(outcome: RemoteOutcome): string {
  if ('skipped' in outcome) return `## Remote cache and queue\n\nNot measured on this run: ${outcome.skipped}.\n`;
  const { vectors, rates, local, queue, load, date } = outcome;
  const n = queue.images;
  return `## Remote cache and queue

Produced by \`npm run bench\` (bench/remote.ts; alone: \`node build/bench/remote.js\`) on ${date}, against real servers it
starts itself (Redis, OpenStack Swift with s3api, memcached: bench/services.ts, as \`npm run services\`), all on the
same machine as the builds. Load average (1 min) ${load[0].toFixed(1)} at the start, ${load[1].toFixed(1)} at the end: on a
loaded machine these are lower bounds, and the ratio between rows says more than the figures.

${vectors} vectors of 1280 floats (5 KB + header) up (\`putVector\` + flush) and down (\`getVector\`), at each
number of requests in flight (\`RemoteCache\` concurrency), against the local LMDB:

| store | requests in flight | up (vectors/s) | down (vectors/s) |
|---|---|---|---|
${rates.map((r) => `| remote (Swift s3api; HEAD + PUT, as Swift has no conditional PUT) | ${r.concurrency} | ${r.up.toFixed(0)} | ${r.down.toFixed(0)} |`).join('\n')}
| local LMDB | — | ${local.up.toFixed(0)} | ${local.down.toFixed(0)} |

Cold build of the same ${n} photos (MobileNetV2 0.35, ${queue.backend}, 100 training steps), every process on the same machine:

| run | bottlenecks computed | build time (s) | images/s |
|---|---|---|---|
| local, 2 worker threads | ${queue.local.computed} | ${queue.local.seconds.toFixed(1)} | ${(n / queue.local.seconds).toFixed(1)} |
| queue: 2 \`retrain worker\`s of 1 thread (BullMQ) + remote cache | ${queue.queued.computed} | ${queue.queued.seconds.toFixed(1)} | ${(n / queue.queued.seconds).toFixed(1)} |

The two workers used ${queue.queued.workerCpuSeconds.toFixed(1)} s of CPU between them (start-up and model load included).
Uploads cost a HEAD and a PUT each on Swift (its 501 to \`If-None-Match: *\`) and run in the background of a build;
downloads are one GET. The queue row pays for Redis, Swift and two more Node processes on the same cores: it shows
the path end to end, not a speed-up, which needs more machines.
`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outcome = await measureRemote({
    vectors: process.env.BENCH_REMOTE_VECTORS ? Number(process.env.BENCH_REMOTE_VECTORS) : undefined,
    perClass: process.env.BENCH_QUEUE_PER_CLASS ? Number(process.env.BENCH_QUEUE_PER_CLASS) : undefined,
  });
  process.stdout.write(renderRemote(outcome));
}
