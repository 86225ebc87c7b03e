/**
 * One measured step of the scale bench, in its own process so its peak RSS is its own:
 *   node build/bench/scale-child.js prepare <work> <files> <modelDir>   generate images + fill the cache
 *   node build/bench/scale-child.js build <work> <modelDir> [steps]     one whole build, timed
 * `build` prints one JSON line: seconds, CPU seconds, peak RSS and what the build did.
 */
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../src/config/resolved-config.js';
import { selectEngine } from '../src/engine/feature-engine.js';
import { resolveModel } from '../src/engine/model/resolve-model.js';
import { build } from '../src/pipeline/build.js';
import { fillCache, fixturePaths, generateImages } from './scale-fixture.js';

export interface ChildBuild {
  seconds: number;
  cpuSeconds: number;
  peakRssMB: number;
  /**
   * Peaks of the two parts of it, sampled: anonymous (heap, buffers: what the process allocates) and
   * file-backed (the LMDB map and code: clean page-cache pages, which the kernel maps around each page read).
   */
  peakRssAnonMB: number;
  peakRssFileMB: number;
  heapUsedMB: number;
  /** The whole process, start-up (imports) included: wall and CPU (user + system) seconds. */
  processSeconds: number;
  processCpuSeconds: number;
  /** 1-minute load average when the build started (the machine is shared: CPU seconds are the comparable figure). */
  loadAverage: number;
  /** Whether the up-to-date record answered (no stage ran: 'split' is up to date). */
  upToDate: boolean;
  trained: boolean;
  exported: boolean;
  bottlenecksComputed: number;
}

async function main(): Promise<void> {
  const [mode, work, ...rest] = process.argv.slice(2);
  if (!work) throw new Error('usage: scale-child.js prepare <work> <files> <modelDir> | build <work> <modelDir> [steps]');
  const paths = fixturePaths(work);
  if (mode === 'prepare') {
    const [files, modelDir] = rest;
    const model = await resolveModel(modelDir!, {}, os.tmpdir());
    const { identity } = await selectEngine('auto', model, os.tmpdir());
    const hashes = await generateImages(paths.root, Number(files));
    await fillCache(paths.cacheDir, paths.root, hashes, identity);
    return;
  }
  if (mode !== 'build') throw new Error(`unknown mode ${mode}`);
  const [modelDir, steps] = rest;
  const config = resolveConfig(
    { imageDir: paths.root, model: path.resolve(modelDir!), cacheDir: paths.cacheDir, outputDir: paths.outputDir, train: { steps: Number(steps ?? 100) } },
    work,
  );
  // A worker thread samples the resident memory every 50 ms (the main thread is busy for seconds at a time).
  const peaks = new Int32Array(new SharedArrayBuffer(8));
  const sampler = new Worker(SAMPLER, { eval: true, workerData: peaks });
  const loadAverage = os.loadavg()[0]!;
  let upToDate = false;
  const cpu = process.cpuUsage();
  const start = performance.now();
  // SCALE_TRACE=1: memory at every stage event on stderr (RSS split into anonymous and file-backed, MB);
  // SCALE_SNAPSHOT=<stage>:<status> also writes a heap snapshot there (into the current folder).
  const snapshotAt = process.env.SCALE_SNAPSHOT;
  const trace = process.env.SCALE_TRACE || snapshotAt
    ? (event: { type: string; stage?: string; status?: string }) => {
        if (event.type !== 'stage' && event.type !== 'scanned') return;
        const m = process.memoryUsage();
        const status = readFileSync('/proc/self/status', 'utf8');
        const anon = statusField(status, 'RssAnon') >> 10;
        const file = statusField(status, 'RssFile') >> 10;
        process.stderr.write(
          `${((performance.now() - start) / 1000).toFixed(1)}s ${event.type} ${event.stage ?? ''} ${event.status ?? ''} rss ${Math.round(m.rss / 2 ** 20)} (anon ${anon} file ${file}) heap ${Math.round(m.heapUsed / 2 ** 20)}/${Math.round(m.heapTotal / 2 ** 20)} external ${m.external >> 20} arrayBuffers ${m.arrayBuffers >> 20} peak ${process.resourceUsage().maxRSS >> 10}\n`,
        );
        if (snapshotAt === `${event.stage}:${event.status}`) process.stderr.write(`heap snapshot ${writeHeapSnapshot()}\n`);
      }
    : undefined;
  const result = await build(config, {
    onEvent: (event) => {
      if (event.type === 'stage' && event.stage === 'split' && event.status === 'up-to-date') upToDate = true;
      trace?.(event);
    },
  });
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const whole = process.cpuUsage();
  const line: ChildBuild = {
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    peakRssAnonMB: Atomics.load(peaks, 0) / 1024,
    peakRssFileMB: Atomics.load(peaks, 1) / 1024,
    heapUsedMB: process.memoryUsage().heapUsed / 2 ** 20,
    processSeconds: performance.now() / 1000,
    processCpuSeconds: (whole.user + whole.system) / 1e6,
    loadAverage,
    upToDate,
    trained: result.trained,
    exported: result.exported,
    bottlenecksComputed: result.bottlenecksComputed,
  };
  await sampler.terminate();
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** A field of /proc/self/status in kB. */
function statusField(text: string, name: string): number {
  return Number(text.split('\n').find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1).trim().split(' ')[0] ?? 0);
}

const SAMPLER = `
const { readFileSync } = require('node:fs');
const { workerData: peaks } = require('node:worker_threads');
const field = (text, name) => Number(text.split('\\n').find((l) => l.startsWith(name + ':'))?.slice(name.length + 1).trim().split(' ')[0] ?? 0);
setInterval(() => {
  const text = readFileSync('/proc/self/status', 'utf8');
  Atomics.store(peaks, 0, Math.max(Atomics.load(peaks, 0), field(text, 'RssAnon')));
  Atomics.store(peaks, 1, Math.max(Atomics.load(peaks, 1), field(text, 'RssFile')));
}, 50);
`;

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
