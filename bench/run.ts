/**
 * `npm run bench [-- --only NAME,…]`: measures this machine and writes the generated blocks of BENCHMARKS.md
 * (bench/generated-blocks.ts), every section or the named ones; the file's hand-written text is kept. Real builds
 * on the shared photos and weights (RETRAIN_SHARED, else ../shared), real worker threads, real LMDB; nothing is
 * estimated.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { onnxRuntimeVersion } from '../src/engine/onnx/onnx-runtime.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { measureBackboneAccuracy, SECTION_TITLE as ACCURACY_TITLE } from './backbone-accuracy.js';
import { AUDIT_BACKBONES, measureAudit, renderAudit } from './audit.js';
import { measureRemote, renderRemote } from './remote.js';
import { cpuFlags, endToEndSection, measureEndToEnd, type EndToEnd } from './end-to-end.js';
import { measurePyTorch, multiplyAddsPerImage, type PeerResult } from './peer.js';
import { measurePureInference, type PureInference } from './pure-inference.js';
import { measureScale, type ScaleRow } from './scale.js';
import type { ChildBuild } from './scale-child.js';
import { measureStartup, startupSection } from './startup.js';
import { cutAt, withBlocks, withoutHeading, type Block } from './generated-blocks.js';
import { runSection, type Section } from './sections.js';
import { measureThroughput, type ThroughputRow } from './throughput.js';
import { measureWatchLatency, type WatchLatency } from './watch-latency.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHARED = path.resolve(process.env.RETRAIN_SHARED ?? path.join(REPO, '../shared'));
const MODEL = path.join(SHARED, 'models/mobilenet_v2_035_224');
const DARKNET = path.join(SHARED, 'models/darknet_tiny_224');
const HYMENOPTERA = path.join(SHARED, 'datasets/hymenoptera_data');
const FLOWERS = path.join(SHARED, 'datasets/flower_photos_mini');

/** The original's distortion flags at typical values: each training image gets 5 cached variants. */
const DISTORTIONS = { flipLeftRight: true, randomCrop: 10, randomScale: 10, randomBrightness: 10, variants: 5 };

type Backend = 'onnx' | 'wasm';
const TRAIN = [path.join(HYMENOPTERA, 'train')];
const BUILDS: Array<{ name: string; dirs: string[]; workers: number; backend: Backend; model?: string; distortions?: typeof DISTORTIONS }> = [
  { name: 'hymenoptera train', dirs: TRAIN, workers: 1, backend: 'onnx' },
  { name: 'hymenoptera train', dirs: TRAIN, workers: 2, backend: 'onnx' },
  { name: 'hymenoptera train', dirs: TRAIN, workers: 1, backend: 'wasm' },
  { name: 'hymenoptera train', dirs: TRAIN, workers: 2, backend: 'wasm' },
  { name: 'hymenoptera train + distortions', dirs: TRAIN, workers: 2, backend: 'onnx', distortions: DISTORTIONS },
  { name: 'hymenoptera train + distortions', dirs: TRAIN, workers: 2, backend: 'wasm', distortions: DISTORTIONS },
  { name: 'flower_photos_mini', dirs: [FLOWERS], workers: 2, backend: 'onnx' },
  { name: 'hymenoptera train', dirs: TRAIN, workers: 2, backend: 'onnx', model: DARKNET },
  { name: 'hymenoptera train', dirs: TRAIN, workers: 2, backend: 'wasm', model: DARKNET },
];

interface Peer {
  pytorch: PeerResult | { unavailable: string };
  ours: PureInference;
  multiplyAdds: number;
}

const peakRssMB = () => process.resourceUsage().maxRSS / 1024;

async function measureBuilds(): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  for (const { name, dirs, workers, backend, model = MODEL, distortions } of BUILDS) {
    process.stderr.write(`  ${name}, ${path.basename(model)}, ${backend}, ${workers} worker(s)\n`);
    rows.push(await measureThroughput(name, dirs, model, workers, { distortions, backend }));
  }
  return rows;
}

function measureWatch(): Promise<WatchLatency> {
  const val = (label: string, name: string) => path.join(HYMENOPTERA, 'val', label, name);
  const newPhotos = [val('ants', '10308379_1b6c72e180.jpg'), val('bees', '1032546534_06907fe3b3.jpg'), val('ants', '1053149811_f62a3410d3.jpg')];
  return measureWatchLatency(path.join(HYMENOPTERA, 'train'), newPhotos, MODEL);
}

/** One section of BENCHMARKS.md: what it measures, and the blocks it writes from that. */
interface BenchSection {
  name: string;
  /** The chapter heading, written above its blocks when the file does not have them yet. */
  heading: string;
  run(sections: Section[]): Promise<Block[]>;
}

function benchSection<T>(name: string, heading: string, measure: () => Promise<T>, render: (value: T, timing: Section) => Record<string, string>): BenchSection {
  return {
    name,
    heading,
    async run(sections) {
      const load = os.loadavg()[0]!;
      const value = await runSection(name, sections, measure);
      const timing = sections.at(-1)!;
      const bodies = Object.entries(render(value, timing));
      // The last block ends with when and how busy: a section re-measured alone is dated on its own.
      const stamp = `*Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench -- --only ${name}\`: ${fixed(timing.seconds, 0)} s, one-minute load average ${fixed(load, 1)} at the start and ${fixed(os.loadavg()[0]!, 1)} at the end; other processes used ${fixed(timing.othersCpuShare * 100, 0)}% of the CPU meanwhile.*`;
      return bodies.map(([block, body], i) => ({ name: block, heading: i === 0 ? heading : undefined, body: i === bodies.length - 1 ? `${body.trimEnd()}\n\n${stamp}` : body }));
    },
  };
}

const SECTIONS: BenchSection[] = [
  benchSection(
    'builds',
    '## Bottlenecks and builds',
    async () => {
      const builds = await measureBuilds();
      const peakRssAfterBuildsMB = peakRssMB();
      const peer: Peer = { pytorch: await measurePyTorch(2), ours: await measurePureInference(MODEL, 2), multiplyAdds: await multiplyAddsPerImage(MODEL) };
      // The int8 MobileNetV2 1.0 end to end against PyTorch fp32 on the same photos (skipped, with the reason, without torch).
      const endToEnd = await measureEndToEnd('hymenoptera train', path.join(HYMENOPTERA, 'train'));
      return { builds, peakRssAfterBuildsMB, peer, endToEnd, flags: await cpuFlags() };
    },
    (measured) => ({ builds: buildsBody(measured) }),
  ),
  benchSection('watch', '## Watch mode: one added photo → new model', measureWatch, (latency) => ({ watch: watchBody(latency) })),
  benchSection(
    'scale',
    '## Scale: scan + hash + cache look-up',
    () => measureScale(MODEL, [1_000, 10_000, 100_000, 1_000_000], 1_000_000),
    (scale) => ({ scale: `${SCALE_INTRO}\n\n${scaleTable(scale)}` }),
  ),
  benchSection('startup', '## Start-up', () => measureStartup(), (startup, timing) => {
    const [main, modules] = cutAt(withoutHeading(startupSection(startup, timing.othersCpuShare)), ['Where the time goes:']);
    return { startup: main!, 'startup-modules': modules! };
  }),
  // Every backbone's accuracy (builds, val/ via evaluation, cross-validation of the head defaults): bench/backbone-accuracy.ts.
  benchSection('accuracy', ACCURACY_TITLE, measureBackboneAccuracy, (section) => ({ accuracy: withoutHeading(section) })),
  benchSection('audit', '## Audit: planted label errors', () => measureAudit(SHARED, AUDIT_BACKBONES, [500, 100_000]), (audit) => {
    const [main, vectors, measured] = cutAt(withoutHeading(renderAudit(audit)), ['The in-memory audit alone', '\nMeasured ']);
    return { audit: main!, 'audit-vectors': vectors!, 'audit-measured': measured! };
  }),
  // Starts Redis and Swift itself; where they are not installed the section says so and the bench goes on.
  benchSection('remote', '## Remote cache and queue', () => measureRemote(), (remote) => ({ remote: withoutHeading(renderRemote(remote)) })),
];

/** The sections `--only a,b` (or `--only=a,b`) names, every section without it; anything unknown is refused in one line. */
function chosenSections(args: readonly string[]): BenchSection[] {
  const valid = SECTIONS.map((s) => s.name).join(', ');
  let list: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--only') list = args[++i] ?? '';
    else if (arg.startsWith('--only=')) list = arg.slice('--only='.length);
    else throw new UsageError(`bench: unknown argument ${arg}; use --only NAME,… (${valid})`);
  }
  if (list === undefined) return SECTIONS;
  const names = list.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !SECTIONS.some((s) => s.name === n));
  if (names.length === 0 || unknown.length) throw new UsageError(`bench: ${names.length ? `unknown section ${unknown.join(', ')}` : '--only needs section names'}; valid: ${valid}`);
  return SECTIONS.filter((s) => names.includes(s.name));
}

class UsageError extends Error {}

async function main() {
  const chosen = chosenSections(process.argv.slice(2));
  if (!existsSync(path.join(MODEL, 'model.json'))) throw new Error(`shared model not found at ${MODEL} (set RETRAIN_SHARED)`);
  const startedAt = new Date();
  const sections: Section[] = [];
  const blocks: Block[] = [];
  for (const section of chosen) blocks.push(...(await section.run(sections)));
  const file = path.join(REPO, 'BENCHMARKS.md');
  // Read after measuring (hours, for the whole run): hand edits made meanwhile are kept too.
  const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '# Benchmarks\n';
    throw error;
  });
  const report = withBlocks(text, [{ name: 'machine', body: machineBody(startedAt, sections) }, ...blocks]);
  await writeFileAtomic(file, report);
  process.stdout.write(`BENCHMARKS.md: ${blocks.map((b) => b.name).join(', ')} and machine written; the rest kept as it was\n`);
}

const fixed = (n: number, digits = 2) => n.toFixed(digits);
const percent = (share: number | null) => (share === null || !Number.isFinite(share) ? 'n/a' : `${fixed(share * 100, 1)}%`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const table = (header: string[], rows: string[][]) =>
  [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');

function buildsTable(builds: ThroughputRow[]): string {
  return table(
    ['data set', 'model', 'engine', 'workers', 'images', 'cold build (s)', 'cold: images/s', 'steady: images/s', 'decode share', 'training (s)', 'warm build (s)', 'warm: images/s', 'no-op rebuild (s)', 'test accuracy'],
    builds.map((r) => [
      r.dataset,
      r.model,
      r.backend,
      String(r.workers),
      String(r.images),
      fixed(r.coldBuildSeconds),
      fixed(r.coldImagesPerSecond, 1),
      fixed(r.steadyImagesPerSecond, 1),
      `${fixed(r.decodeShare * 100, 0)}%`,
      fixed(r.trainSeconds),
      fixed(r.warmBuildSeconds),
      fixed(r.warmImagesPerSecond, 0),
      fixed(r.noopBuildSeconds, 3),
      percent(r.testAccuracy),
    ]),
  );
}

/** Against PyTorch on the same architecture, and against the machine's peak. */
function peerNote(peer: Peer, builds: ThroughputRow[]): string {
  const row = (backend: string) => builds.find((r) => r.dataset === 'hymenoptera train' && r.model === 'mobilenet_v2_035_224' && r.workers === 2 && r.backend === backend);
  const onnxBuild = row('onnxruntime');
  const wasmBuild = row('wasm');
  // ../shared/reference/performance-facts.md: an FMA microbenchmark on this machine kind reached the
  // equivalent of ~420 MobileNetV2-1.0 images/s at 0.6 GFLOP each, about 250 GFLOP/s on 2 cores.
  const peakGflops = 420 * 0.6;
  const gflops = (rate: number) => (rate * 2 * peer.multiplyAdds) / 1e9;
  const achieved = (rate: number) => `${fixed(gflops(rate), 1)} GFLOP/s, ${fixed((gflops(rate) / peakGflops) * 100, 1)}% of peak`;
  const { ours } = peer;
  const torch = 'unavailable' in peer.pytorch ? undefined : peer.pytorch;
  const ratio = (rate: number) => (torch ? fixed(rate / torch.imagesPerSecond, 2) : 'n/a');
  const rows = [
    ...(torch ? [[`PyTorch ${torch.torch} (traced, optimised for inference)`, String(torch.threads), fixed(torch.imagesPerSecond, 1), '1.00', achieved(torch.imagesPerSecond)]] : []),
    typeof ours.onnx === 'number'
      ? ['**ours, onnxruntime** (the default where it loads)', String(ours.threads), `**${fixed(ours.onnx, 1)}**`, `**${ratio(ours.onnx)}**`, achieved(ours.onnx)]
      : ['ours, onnxruntime', String(ours.threads), `not measured: ${ours.onnx.unavailable}`, '', ''],
    ...(ours.wasm === undefined ? [] : [['ours, TensorFlow.js wasm (batch norm folded)', String(ours.threads), fixed(ours.wasm, 1), ratio(ours.wasm), achieved(ours.wasm)]]),
  ];
  const unavailable = 'unavailable' in peer.pytorch ? ` PyTorch could not be measured here: ${peer.pytorch.unavailable}.` : '';
  return `### Against the peer and the machine

Inference alone, measured the same way for each: a fixed batch of ${ours.batch} images at 224×224 run again and again,
median of 3 rounds after warm-up. Ours runs in ${ours.threads} worker threads with one single-threaded engine each (as the
bottleneck pool does; bench/pure-inference.ts), PyTorch with ${torch?.threads ?? 2} intra-op threads (Debian's python3-torch,
torchvision's MobileNetV2 at width 0.35 with random weights, bench/pytorch_peer.py).${unavailable}

${table(['engine', 'threads', 'images/s', 'ratio to PyTorch', 'achieved'], rows)}

The model does ${fixed(peer.multiplyAdds / 1e6, 1)} M multiply-adds per image (counted from its layers); *peak* is the machine's
~${fixed(peakGflops, 0)} GFLOP/s, measured with an FMA microbenchmark (../shared/reference/performance-facts.md). A width-0.35
network is small and memory-bound: most of its time is in depthwise convolutions and layer overheads, not
in multiply-adds.

End to end in a real build (the builds table): ${onnxBuild ? fixed(onnxBuild.steadyImagesPerSecond, 1) : 'n/a'} images/s with onnxruntime, ${wasmBuild ? fixed(wasmBuild.steadyImagesPerSecond, 1) : 'n/a'} with
wasm. With onnxruntime, decoding the photos costs more than the network (${onnxBuild ? fixed(onnxBuild.decodeShare * 100, 0) : 'n/a'}% of worker time): they
are mostly 4:4:4 JPEGs of ~108 KB, about 6 ms of CPU each to decode with sharp.`;
}

/** Distortions against the same build without them, and against the original's way of distorting. */
function distortionsNote(builds: ThroughputRow[]): string {
  const find = (dataset: string, backend: string) =>
    builds.find((r) => r.dataset === dataset && r.model === 'mobilenet_v2_035_224' && r.workers === 2 && r.backend === backend);
  const plain = find('hymenoptera train', 'onnxruntime');
  const distorted = find('hymenoptera train + distortions', 'onnxruntime');
  const plainWasm = find('hymenoptera train', 'wasm');
  const distortedWasm = find('hymenoptera train + distortions', 'wasm');
  if (!plain || !distorted) return '';
  // retrain.py runs the whole network on every distorted training image of every step.
  const originalHours = (4000 * 100) / plain.steadyImagesPerSecond / 3600;
  const wasm =
    plainWasm && distortedWasm
      ? ` On wasm: ${fixed(distortedWasm.coldBuildSeconds)} s against ${fixed(plainWasm.coldBuildSeconds)} s (×${fixed(distortedWasm.coldBuildSeconds / plainWasm.coldBuildSeconds, 1)}).`
      : '';
  return `### Distortions

With the original's distortion flags (flip, 10% crop, 10% scale, 10% brightness) and 5 cached variants per
training image (each image decoded once for all its variants), the cold build with onnxruntime takes
**${fixed(distorted.coldBuildSeconds)} s against ${fixed(plain.coldBuildSeconds)} s without (×${fixed(distorted.coldBuildSeconds / plain.coldBuildSeconds, 1)})**: the variants' bottlenecks are computed once and
training runs on six times as many vectors (${fixed(distorted.trainSeconds)} s against ${fixed(plain.trainSeconds)} s).${wasm} Warm and no-op
builds cost about the same as without (${fixed(distorted.warmBuildSeconds)} s and ${fixed(distorted.noopBuildSeconds, 3)} s). retrain.py instead runs the
network on each of the 100 distorted images of each of its 4000 steps: 400,000 inferences, about
${fixed(originalHours, 1)} h at this machine's steady rate.`;
}

function noopTable(builds: ThroughputRow[]): string {
  const phases = builds[0]!.noopPhases.map((p) => p.name);
  return table(
    ['data set', 'model', 'engine', 'workers', ...phases.map((p) => `${p} (ms)`), 'total (ms)'],
    builds.map((r) => [r.dataset, r.model, r.backend, String(r.workers), ...r.noopPhases.map((p) => fixed(p.seconds * 1000, 0)), fixed(r.noopBuildSeconds * 1000, 0)]),
  );
}

function scaleTable(scale: ScaleRow[]): string {
  const mb = (value: number | undefined) => (value === undefined ? '—' : fixed(value, 0));
  const s = (value: number | undefined, digits = 2) => (value === undefined ? '—' : fixed(value, digits));
  const wallCpu = (b: ChildBuild | undefined) => (b ? `${fixed(b.seconds)} / ${fixed(b.cpuSeconds)}` : '—');
  const processWallCpu = (b: ChildBuild | undefined) => (b ? `${fixed(b.processSeconds)} / ${fixed(b.processCpuSeconds)}` : '—');
  const rss = (b: ChildBuild | undefined) => (b ? `${mb(b.peakRssMB)} (${mb(b.peakRssAnonMB)} / ${mb(b.peakRssFileMB)})` : '—');
  return table(
    [
      'files',
      'no-op: build wall / CPU (s)',
      'no-op: whole process wall / CPU (s)',
      'no-op: peak RSS (anon / file) (MB)',
      'load (1 min)',
      'full-path no-op: build wall / CPU (s)',
      'full-path no-op: peak RSS (anon / file) (MB)',
      'training build: wall / CPU (s)',
      'training: peak RSS (anon / file) (MB)',
      'cold scan + hash (s)',
      'warm scan + stat (s)',
      'look-up (s)',
      'open check: walk / skipped (s)',
      'stage record (MB)',
    ],
    scale.map((r) => [
      r.files.toLocaleString('en'),
      wallCpu(r.noop),
      processWallCpu(r.noop),
      rss(r.noop),
      r.noop ? fixed(r.noop.loadAverage, 1) : '—',
      wallCpu(r.noopFull),
      rss(r.noopFull),
      wallCpu(r.train),
      rss(r.train),
      s(r.coldScanHashSeconds),
      s(r.warmScanHashSeconds),
      s(r.lookupSeconds, 3),
      r.openCheck ? `${fixed(r.openCheck.walkSeconds, 3)} / ${fixed(r.openCheck.skipSeconds, 4)}` : '—',
      r.stageRecordMB === undefined ? '—' : fixed(r.stageRecordMB, 1),
    ]),
  );
}

/** The file's head: where it comes from, this machine, and what the last run measured. */
function machineBody(startedAt: Date, sections: Section[]): string {
  const cpus = os.cpus();
  return `Produced by \`npm run bench\` (bench/run.ts). It writes only the text between \`<!-- bench:NAME -->\` and
\`<!-- /bench:NAME -->\` lines; everything else here (measurements by hand, decisions, notes) is kept as it is.
\`npm run bench -- --only NAME,…\` measures some sections again (${SECTIONS.map((s) => s.name).join(', ')}); each section ends with
when it was measured and how busy the machine was.

- Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${fixed(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}.
- Engines: onnxruntime-node ${onnxRuntimeVersion() ?? '(not installed)'} and TensorFlow.js ${tf.version_core} on WebAssembly, as each row says (BuildResult.backend).
- Models: the shared MobileNetV2 0.35 (224×224, 1280-d features) unless a row names darknet_tiny_224 (cut at
  \`leaky_re_lu_14\`, 512-d). Default training settings (4000 steps, batch 100).
- Last run: ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${sections.map((s) => `${s.name} ${fixed(s.seconds, 0)} s (other processes ${fixed(s.othersCpuShare * 100, 0)}% of the CPU)`).join(', ')}
  (the watch section's own \`retrain watch\` child counts as other). Well above a few percent, the figures are low; even
  on an idle machine they vary by ±20% between runs.`;
}

interface BuildsMeasured {
  builds: ThroughputRow[];
  /** Peak RSS in MB after the real-photo builds. */
  peakRssAfterBuildsMB: number;
  peer: Peer;
  endToEnd: EndToEnd;
  flags: string[];
}

function buildsBody({ builds, peakRssAfterBuildsMB, peer, endToEnd, flags }: BuildsMeasured): string {
  return `Three \`build()\` calls in a row per row, on a fresh temp cache and output folder: *cold* (empty cache),
*warm* (same cache, output folder deleted first) and *no-op* (nothing changed).

${buildsTable(builds)}

- *cold build*: wall time of the whole first build: model load, scan, hash, bottlenecks, training, evaluation, export.
- *cold images/s*: bottlenecks computed per second over the bottleneck phase, from the end of the scan to the
  last vector; it includes starting the worker threads and loading the model in each. *steady*: from the first
  vector to the last, the pool at full speed.
- *decode share*: worker time spent decoding and resizing with sharp; the rest is inference.
- *warm*: every vector read from LMDB (hashes answered by the stat cache); the head comes from the cache too, so
  the warm build only re-exports. *warm images/s* is over the same phase as *cold images/s*.
- *no-op rebuild*: checked to have computed no bottleneck, trained nothing and exported nothing (the bench fails otherwise).
- Peak RSS of the benchmark process (main thread + worker threads): ${fixed(peakRssAfterBuildsMB, 0)} MB after these builds.

${distortionsNote(builds)}

${peerNote(peer, builds)}

${endToEndSection(endToEnd, flags)}

### Where a no-op rebuild's time goes

Split at the events \`build()\` emits: *split → train check* covers the stages between the last vector and
the head found in the cache; *close* is flushing and closing the cache. The last column is the whole call.

${noopTable(builds)}`;
}

function watchBody(latency: WatchLatency): string {
  return `A real \`retrain watch --json\` on a copy of hymenoptera train with a warm cache; a photo is copied in and the
clock stops at the \`exported\` event. Median of ${latency.addToExportSeconds.length}: **${fixed(median(latency.addToExportSeconds))} s**
(each: ${latency.addToExportSeconds.map((s) => fixed(s)).join(', ')} s), of which ${latency.settleAndQuietMs} ms is waiting for the file to settle and the
burst to end; the rebuild itself (one bottleneck, 4000 training steps, export) took ${latency.buildSeconds.map((s) => fixed(s)).join(', ')} s.`;
}

const SCALE_INTRO = `Generated small JPEGs (distinct bytes) in 10 class folders with stand-in vectors (1280 floats) in the cache:
nothing is inferred. Three whole \`build\`s, each in its own process (bench/scale-child.ts; by hand:
\`node build/bench/scale-child.js prepare <work> <files> ../shared/models/mobilenet_v2_035_224\`, then
\`node build/bench/scale-child.js build <work> ../shared/models/mobilenet_v2_035_224\`): the *training build*
(streamed training, 100 steps, evaluation, export), the *no-op* rebuild (answered by the up-to-date record,
src/pipeline/up-to-date-build.ts: one scan, one stat per file, one digest) and the *full-path no-op* (the
same rebuild with that record deleted: every stage checks its own inputs). *Build* figures time the
\`build()\` call; *whole process* adds Node's start and the imports. Peak RSS is the process's maximum;
*anon* is what the process allocates, *file* the file-backed pages (the LMDB map, code). Load is the
1-minute load average as the no-op started (2 cores shared by several engineers: wall times wait for a
core, CPU seconds are the comparable figure). Up to 100,000 files also, in the bench process: *cold* scan +
hash (every file read), *warm* (the stat cache answers), *look-up* (one bottleneck key per file in LMDB).`;

main().catch((error: Error) => {
  process.stderr.write(error instanceof UsageError ? `${error.message}\n` : `bench failed: ${error.stack ?? error.message}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
