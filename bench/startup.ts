/**
 * Start-up as a user meets it: whole `retrain` processes, timed from spawn to exit. `--help`, and a no-op
 * rebuild of the example config (retrain.config.ts, 245 photos) after one build has filled a temp cache.
 * Run alone: `node build/bench/startup.js` prints the section.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO, 'bin/retrain.js');

export interface StartupRow {
  what: string;
  runs: number;
  medianSeconds: number;
  minSeconds: number;
}

function timed(args: string[]): number {
  const start = performance.now();
  const child = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const seconds = (performance.now() - start) / 1000;
  if (child.status !== 0) throw new Error(`retrain ${args.join(' ')} failed: ${child.stderr.split('\n')[0]}`);
  if (args[0] === 'build' && !/0 bottlenecks computed.*head up to date; model up to date/.test(child.stdout)) {
    throw new Error(`not a no-op rebuild: ${child.stdout.trim().split('\n').at(-1)}`);
  }
  return seconds;
}

function row(what: string, runs: number, args: string[]): StartupRow {
  const times = Array.from({ length: runs }, () => timed(args)).sort((a, b) => a - b);
  return { what, runs, medianSeconds: times[Math.floor(runs / 2)]!, minSeconds: times[0]! };
}

export async function measureStartup(runs = 9): Promise<StartupRow[]> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'retrain-startup-'));
  try {
    const folders = ['--cache-dir', path.join(work, 'cache'), '--output-dir', path.join(work, 'out')];
    const cold = spawnSync(process.execPath, [BIN, 'build', ...folders], { cwd: REPO, stdio: 'ignore' });
    if (cold.status !== 0) throw new Error('the example build failed');
    return [row('retrain --help', runs, ['--help']), row('no-op rebuild of the example (245 images)', runs, ['build', ...folders])];
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

export function startupSection(rows: StartupRow[], othersCpuShare: number): string {
  const lines = rows.map((r) => `| ${r.what} | ${r.runs} | ${r.medianSeconds.toFixed(3)} | ${r.minSeconds.toFixed(3)} |`);
  return `## Start-up

Whole \`node bin/retrain.js …\` processes, spawn to exit (bench/startup.ts). Each command loads only what it
runs: \`--help\` loads yargs and the option tables; a no-op rebuild loads the config (jiti, transpiled once and
cached), zod, LMDB and the pipeline, but not TensorFlow.js (only to train with head options, export or
predict) nor sharp (only to decode). Other processes used ${(othersCpuShare * 100).toFixed(0)}% of the CPU meanwhile.

| command | runs | median (s) | fastest (s) |
| --- | --- | --- | --- |
${lines.join('\n')}
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { runSection } = await import('./sections.js');
  const sections: import('./sections.js').Section[] = [];
  const rows = await runSection('startup', sections, () => measureStartup());
  process.stdout.write(startupSection(rows, sections[0]!.othersCpuShare));
}
