/**
 * Start-up as a user meets it: whole `retrain` processes, timed from spawn to exit. `--help`, and a no-op
 * rebuild of the example config (retrain.config.ts, 245 photos) after one build has filled a temp cache, beside
 * `node -e 0` (what any Node process costs here). Each is timed as wall clock and as CPU time (user + system of
 * the child, from /usr/bin/time), which a shared machine inflates less than wall clock.
 *
 * RETRAIN_STARTUP_BASELINE=/path/to/an/older/checkout/bin/retrain.js measures that `retrain` too, alternating
 * run by run with this one (so both see the same load), for a before/after table;
 * RETRAIN_STARTUP_BASELINE_LABEL says what it is in the text (e.g. "commit 1dfc2d6").
 *
 * Where the time goes: the CPU time of importing each library the commands load (or no longer load), each in
 * a fresh process, beside `node -e 0`.
 *
 * Run alone: `node build/bench/startup.js` prints the section.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO, 'bin/retrain.js');
const TIME = '/usr/bin/time';

export interface Timing {
  wallSeconds: number;
  /** User + system CPU seconds of the child; undefined without /usr/bin/time. */
  cpuSeconds?: number;
}

export interface StartupRow {
  what: string;
  runs: number;
  medianSeconds: number;
  minSeconds: number;
  medianCpuSeconds?: number;
  /** The same command of RETRAIN_STARTUP_BASELINE, measured alternately with this one. */
  baseline?: { medianSeconds: number; medianCpuSeconds?: number };
}

export interface ModuleCost {
  name: string;
  /** Which commands load it today. */
  loadedBy: string;
  medianCpuMs: number;
  medianWallMs: number;
}

export interface StartupMeasurement {
  rows: StartupRow[];
  modules: ModuleCost[];
  /** 1-minute load average before and after. */
  load: [number, number];
  baseline?: string;
}

/** Runs `node …args` once; wall clock from spawn to exit, CPU from /usr/bin/time when there is one. */
function timedNode(args: string[], check?: (stdout: string) => void): Timing {
  const useTime = existsSync(TIME);
  const file = path.join(os.tmpdir(), `retrain-startup-time-${process.pid}.txt`);
  const [command, commandArgs] = useTime ? [TIME, ['-o', file, '-f', '%U %S', process.execPath, ...args]] : [process.execPath, args];
  const start = performance.now();
  const child = spawnSync(command, commandArgs, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallSeconds = (performance.now() - start) / 1000;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${child.stderr.split('\n')[0]}`);
  check?.(child.stdout);
  if (!useTime) return { wallSeconds };
  const [user, system] = spawnSync('cat', [file], { encoding: 'utf8' }).stdout.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wallSeconds, cpuSeconds: user! + system! };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function summary(times: Timing[]): { medianSeconds: number; minSeconds: number; medianCpuSeconds?: number } {
  const walls = times.map((t) => t.wallSeconds);
  const cpus = times.flatMap((t) => (t.cpuSeconds === undefined ? [] : [t.cpuSeconds]));
  return { medianSeconds: median(walls), minSeconds: Math.min(...walls), medianCpuSeconds: cpus.length ? median(cpus) : undefined };
}

function noOpCheck(args: string[]) {
  return (stdout: string) => {
    if (args[0] === 'build' && !args.includes('--help') && !/0 bottlenecks computed.*head up to date; model up to date/.test(stdout)) {
      throw new Error(`not a no-op rebuild: ${stdout.trim().split('\n').at(-1)}`);
    }
  };
}

/** `runs` runs of `retrain args`, alternating with the baseline's when there is one. */
function row(what: string, runs: number, args: string[], baseline?: string): StartupRow {
  const ours: Timing[] = [];
  const theirs: Timing[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push(timedNode([BIN, ...args], noOpCheck(args)));
    if (baseline) theirs.push(timedNode([baseline, ...args], noOpCheck(args)));
  }
  const mine = summary(ours);
  const before = baseline ? summary(theirs) : undefined;
  return { what, runs, ...mine, baseline: before && { medianSeconds: before.medianSeconds, medianCpuSeconds: before.medianCpuSeconds } };
}

/** The libraries behind start-up, and which commands load them (test/startup-loads.test.ts checks the "not"s). */
const MODULES: Array<{ name: string; code: string; loadedBy: string }> = [
  { name: 'yargs', code: "await import('yargs')", loadedBy: 'every command but the stored help (--help, -h, help, COMMAND --help)' },
  { name: 'zod (CommonJS build, as loaded)', code: "createRequire(import.meta.url)('zod')", loadedBy: 'the first config validation (not --help, not at import)' },
  { name: 'jiti (CommonJS entry)', code: "createRequire(import.meta.url)('jiti')", loadedBy: 'commands that read a config file' },
  { name: 'lmdb', code: "await import('lmdb')", loadedBy: 'build, status, cache, watch' },
  { name: 'sharp', code: "await import('sharp')", loadedBy: 'decoding (build, watch, predict), report thumbnails' },
  { name: 'onnxruntime-node', code: "await import('onnxruntime-node')", loadedBy: 'a TF.js model with --backend auto until its converted graph is made; cutting an ONNX graph; computing' },
  { name: 'onnx-proto (protobufjs)', code: "await import('onnx-proto')", loadedBy: 'reading an ONNX model that changed, converting, exporting ONNX' },
  { name: 'cli-progress', code: "createRequire(import.meta.url)('cli-progress')", loadedBy: 'only a progress bar (a build computing bottlenecks, on a terminal)' },
  { name: 'piscina', code: "await import('piscina')", loadedBy: 'only a build that computes bottlenecks' },
  { name: '@aws-sdk/client-s3', code: "await import('@aws-sdk/client-s3')", loadedBy: 'only with a remote cache' },
  { name: 'bullmq + ioredis', code: "await import('bullmq'); await import('ioredis')", loadedBy: 'only build --queue, worker' },
  { name: '@tensorflow/tfjs-core', code: "await import('@tensorflow/tfjs-core')", loadedBy: 'only training with head options, export, predict' },
];

function moduleCost(code: string, runs: number): { cpuMs: number; wallMs: number } {
  const script = `import { createRequire } from 'node:module';
const c0 = process.cpuUsage(); const t0 = performance.now();
${code};
const c = process.cpuUsage(c0); console.log(JSON.stringify({ cpu: (c.user + c.system) / 1000, wall: performance.now() - t0 }));`;
  const samples = Array.from({ length: runs }, () => {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`${code}: ${child.stderr.split('\n')[0]}`);
    return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { cpu: number; wall: number };
  });
  return { cpuMs: median(samples.map((s) => s.cpu)), wallMs: median(samples.map((s) => s.wall)) };
}

export async function measureStartup(runs = 9, baseline = process.env.RETRAIN_STARTUP_BASELINE): Promise<StartupMeasurement> {
  const loadBefore = os.loadavg()[0]!;
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'retrain-startup-'));
  try {
    const folders = ['--cache-dir', path.join(work, 'cache'), '--output-dir', path.join(work, 'out')];
    const cold = spawnSync(process.execPath, [BIN, 'build', ...folders], { cwd: REPO, stdio: 'ignore' });
    if (cold.status !== 0) throw new Error('the example build failed');
    const bare = Array.from({ length: runs }, () => timedNode(['-e', '0']));
    const rows = [
      { what: '`node -e 0` (any Node process)', runs, ...summary(bare) },
      row('retrain --help', runs, ['--help'], baseline),
      row('retrain build --help', runs, ['build', '--help'], baseline),
      row('no-op rebuild of the example (245 images)', runs, ['build', ...folders], baseline),
    ];
    const modules = MODULES.map(({ name, code, loadedBy }) => {
      const cost = moduleCost(code, 5);
      return { name, loadedBy, medianCpuMs: cost.cpuMs, medianWallMs: cost.wallMs };
    });
    return { rows, modules, load: [loadBefore, os.loadavg()[0]!], baseline };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

const s = (seconds: number | undefined) => (seconds === undefined ? 'n/a' : seconds.toFixed(3));

export function startupSection(measured: StartupMeasurement, othersCpuShare: number): string {
  const { rows, modules, load, baseline } = measured;
  const head = baseline
    ? '| command | runs | median (s) | fastest (s) | CPU median (s) | CPU ÷ node | before: median (s) | before: CPU median (s) | before: CPU ÷ node |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |'
    : '| command | runs | median (s) | fastest (s) | CPU median (s) | CPU ÷ node |\n| --- | --- | --- | --- | --- | --- |';
  // CPU time as a multiple of a bare Node process's: less dependent on the load than seconds are.
  const bare = rows[0]?.medianCpuSeconds;
  const times = (cpu: number | undefined) => (cpu === undefined || !bare ? 'n/a' : `${(cpu / bare).toFixed(1)}×`);
  const lines = rows.map((r) => {
    const cells = [r.what, r.runs, s(r.medianSeconds), s(r.minSeconds), s(r.medianCpuSeconds), times(r.medianCpuSeconds)];
    if (baseline) cells.push(s(r.baseline?.medianSeconds), s(r.baseline?.medianCpuSeconds), times(r.baseline?.medianCpuSeconds));
    return `| ${cells.join(' | ')} |`;
  });
  const verdict = (r: StartupRow | undefined, target: number) =>
    r ? `${r.what}: target < ${target} s wall, median ${s(r.medianSeconds)} s here (fastest ${s(r.minSeconds)} s; \`node -e 0\` ${s(rows[0]?.medianSeconds)} s, ${s((r.medianSeconds ?? 0) - (rows[0]?.medianSeconds ?? 0))} s above it): ${r.medianSeconds < target ? 'met' : r.minSeconds < target ? 'met by the fastest run only' : (rows[0]?.medianSeconds ?? 0) >= target ? 'not met: Node alone takes longer here' : 'not met on this machine at this load'}` : '';
  const moduleLines = modules.map((m) => `| ${m.name} | ${m.loadedBy} | ${m.medianCpuMs.toFixed(0)} | ${m.medianWallMs.toFixed(0)} |`);
  return `## Start-up

Whole \`node bin/retrain.js …\` processes, spawn to exit (bench/startup.ts), ${rows[1]?.runs ?? 0} runs each; CPU is user + system
time of the process (/usr/bin/time). Each command loads only what it runs: \`--help\` (and -h, \`help\`, no
arguments, \`COMMAND --help\`) prints the help yargs rendered at build time (src/cli/stored-help.ts) and loads
no package, not even yargs; a no-op rebuild loads yargs, the config (jiti, transpiled once and cached), zod (at
the validation: the schema is built then, not at import), LMDB and the pipeline, but not cli-progress (only a
progress bar needs it), sharp (only decoding needs it: the image
extensions it reads are recorded per sharp version in src/images/sharp-formats.ts), BullMQ and ioredis (only with \`--queue\`), the S3 SDK (only with a remote cache), piscina (only when
bottlenecks are computed), TensorFlow.js (only to train with head options, export or predict), nor, for an
ONNX model that has not changed, onnxruntime-node and protobufjs (its hash, cut and tensor names are on record
in the cache folder; a TF.js model's weights are not read either: their hash is on record, checked by stat);
test/startup-loads.test.ts checks the "not"s. Load average ${load[0].toFixed(1)} before,
${load[1].toFixed(1)} after; other processes used ${(othersCpuShare * 100).toFixed(0)}% of the CPU meanwhile.${baseline ? ` "before": ${process.env.RETRAIN_STARTUP_BASELINE_LABEL ?? `\`${baseline}\``}, run alternately with this checkout.` : ''}

${head}
${lines.join('\n')}

- ${verdict(rows[1], 0.1)}
- ${verdict(rows[3], 0.25)}

Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`node build/bench/startup.js\` (load ${load[0].toFixed(1)}): here a bare
\`node -e 0\` takes ${s(rows[0]?.medianSeconds)} s (CPU ${s(bare)} s), which no command can go below. Scaled to a machine where \`node -e 0\`
takes about 0.04 s, the "CPU ÷ node" multiples give ${bare ? rows.slice(1).map((r) => `${r.what.split(' (')[0]} ≈ ${((r.medianCpuSeconds ?? 0) / bare * 0.04).toFixed(2)} s`).join(', ') : 'n/a'} (an estimate).

Where the time goes: importing each library alone in a fresh process (CPU and wall milliseconds of the
\`import\`, median of 5; a process that loads several shares some of the cost, Node's own start is the
\`node -e 0\` row above).

| library | loaded by | CPU (ms) | wall (ms) |
| --- | --- | --- | --- |
${moduleLines.join('\n')}
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { runSection } = await import('./sections.js');
  const sections: import('./sections.js').Section[] = [];
  const measured = await runSection('startup', sections, () => measureStartup());
  if (process.env.RETRAIN_STARTUP_JSON) await fs.writeFile(process.env.RETRAIN_STARTUP_JSON, JSON.stringify({ measured, othersCpuShare: sections[0]!.othersCpuShare }));
  process.stdout.write(startupSection(measured, sections[0]!.othersCpuShare));
}
