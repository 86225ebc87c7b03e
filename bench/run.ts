/**
 * `npm run bench`: measures this machine and writes BENCHMARKS.md. Real builds on the shared photos and
 * weights (RETRAIN_SHARED, else ../shared), real worker threads, real LMDB; nothing is estimated.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { measureScale, type ScaleRow } from './scale.js';
import { measureThroughput, type ThroughputRow } from './throughput.js';
import { measureWatchLatency, type WatchLatency } from './watch-latency.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHARED = path.resolve(process.env.RETRAIN_SHARED ?? path.join(REPO, '../shared'));
const MODEL = path.join(SHARED, 'models/mobilenet_v2_035_224');
const HYMENOPTERA = path.join(SHARED, 'datasets/hymenoptera_data');
const FLOWERS = path.join(SHARED, 'datasets/flower_photos_mini');

const log = (message: string) => process.stderr.write(`${message}\n`);

async function main() {
  if (!existsSync(path.join(MODEL, 'model.json'))) throw new Error(`shared model not found at ${MODEL} (set RETRAIN_SHARED)`);
  const startedAt = new Date();
  const throughput: ThroughputRow[] = [];
  for (const [name, dirs, workers] of [
    ['hymenoptera train', [path.join(HYMENOPTERA, 'train')], 1],
    ['hymenoptera train', [path.join(HYMENOPTERA, 'train')], os.availableParallelism()],
    ['hymenoptera train + val', [path.join(HYMENOPTERA, 'train'), path.join(HYMENOPTERA, 'val')], os.availableParallelism()],
    ['flower_photos_mini', [FLOWERS], os.availableParallelism()],
  ] as const) {
    log(`throughput: ${name}, ${workers} worker(s)…`);
    throughput.push(await measureThroughput(name, [...dirs], MODEL, workers));
  }
  log('watch: one added photo → exported model…');
  const val = (label: string, name: string) => path.join(HYMENOPTERA, 'val', label, name);
  const latency = await measureWatchLatency(
    path.join(HYMENOPTERA, 'train'),
    [val('ants', '10308379_1b6c72e180.jpg'), val('bees', '1032546534_06907fe3b3.jpg'), val('ants', '1053149811_f62a3410d3.jpg')],
    MODEL,
  );
  log('scale: 1,000 / 10,000 / 100,000 generated files…');
  const scale = await measureScale(MODEL, [1_000, 10_000, 100_000], 10_000);
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  const report = render(startedAt, throughput, latency, scale, peakRssMB);
  await writeFileAtomic(path.join(REPO, 'BENCHMARKS.md'), report);
  process.stdout.write(report);
}

function render(startedAt: Date, throughput: ThroughputRow[], latency: WatchLatency, scale: ScaleRow[], peakRssMB: number): string {
  const f = (n: number, digits = 2) => n.toFixed(digits);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `# Benchmarks

Produced by \`npm run bench\` (bench/run.ts) on ${startedAt.toISOString().slice(0, 10)}.
Machine: ${cpu}, ${os.availableParallelism()} cores, ${f(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version},
TensorFlow.js backend \`${throughput[0]?.backend}\`. Model: the shared MobileNetV2 0.35 (224×224, 1280-d), batch norm
folded at load. Default training settings (4000 steps, batch 100). Figures vary by ±20% on this shared VM.

## Bottlenecks and builds

| data set | workers | images | cold: images/s | steady: images/s | warm: images/s | decode share | cold build (s) | training (s) | no-op rebuild (s) | test accuracy |
|---|---|---|---|---|---|---|---|---|---|---|
${throughput
  .map(
    (r) =>
      `| ${r.dataset} | ${r.workers} | ${r.images} | ${f(r.coldImagesPerSecond, 1)} | ${f(r.steadyImagesPerSecond, 1)} | ${f(r.warmImagesPerSecond, 0)} | ${f(r.decodeShare * 100, 0)}% | ${f(r.coldBuildSeconds)} | ${f(r.trainSeconds)} | ${f(r.noopBuildSeconds, 3)} | ${r.testAccuracy === null ? 'n/a' : `${f(r.testAccuracy * 100, 1)}%`} |`,
  )
  .join('\n')}

- *cold images/s*: bottlenecks computed per second from the start of the build to the last vector, so it
  includes starting the workers and loading the model in each (about a second); *steady*: from the first
  vector to the last, the pool at full speed; *warm*: the same build with every vector cached.
- *decode share*: worker time spent decoding and resizing with sharp; the rest is inference.
- *no-op rebuild*: a third build of unchanged data: no decoding, no inference, no training, no export.
- Peak RSS of the benchmark process (main thread + workers): ${f(peakRssMB, 0)} MB.

## Watch mode: one added photo → new model

A real \`retrain watch --json\` on a copy of hymenoptera train with a warm cache; a photo is copied in and the
clock stops at the \`exported\` event. Median of ${latency.addToExportSeconds.length}: **${f(median(latency.addToExportSeconds))} s**
(each: ${latency.addToExportSeconds.map((s) => f(s)).join(', ')} s), of which ${latency.settleAndQuietMs} ms is waiting for the file to settle and the
burst to end; the rebuild itself (one bottleneck, 4000 training steps, export) took ${latency.buildSeconds.map((s) => f(s)).join(', ')} s.
Training is fast because SGD runs on the Gram matrix of the cached vectors (src/train/logit-engines.ts).

## Scale: scan + hash + cache look-up

Generated small JPEGs (distinct bytes) in 10 class folders, hashed but not inferred. *Cold*: no stat cache
(every file read and hashed); *warm*: the stat cache answers (no file read); *look-up*: one bottleneck key
per file in LMDB. The no-op rebuild is a whole \`build\` with every vector cached (stand-in vectors).

| files | cold scan + hash (s) | warm scan + stat (s) | cache look-up (s) | no-op rebuild (s) | RSS after (MB) |
|---|---|---|---|---|---|
${scale
  .map(
    (r) =>
      `| ${r.files.toLocaleString('en')} | ${f(r.coldScanHashSeconds)} | ${f(r.warmScanHashSeconds)} | ${f(r.lookupSeconds, 3)} | ${r.noopBuildSeconds === undefined ? '—' : f(r.noopBuildSeconds)} | ${f(r.rssMB, 0)} |`,
  )
  .join('\n')}
`;
}

main().catch((error: Error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
