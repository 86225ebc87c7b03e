/**
 * Time from dropping one new photo into a watched folder to the new model being exported, measured on a
 * real `retrain watch --json` process (default training settings: 4000 steps).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/retrain.js');

export interface WatchLatency {
  /** Seconds from the copy to the `exported` event, one per added photo. */
  addToExportSeconds: number[];
  /** The same builds' own durations (excluding settle and quiet time). */
  buildSeconds: number[];
  settleAndQuietMs: number;
}

export async function measureWatchLatency(trainDir: string, newPhotos: string[], modelDir: string): Promise<WatchLatency> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'retrain-watch-bench-'));
  await fs.cp(trainDir, path.join(work, 'images'), { recursive: true });
  const args = [BIN, 'watch', '--json', '--image_dir', 'images', '--model', modelDir, '--cache-dir', 'cache', '--output-dir', 'out'];
  const child = spawn(process.execPath, args, { cwd: work, stdio: ['ignore', 'pipe', 'ignore'] });
  const events: Array<{ type: string; durationMs?: number; at: number }> = [];
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) if (line.trim()) events.push({ ...(JSON.parse(line) as { type: string }), at: performance.now() });
  });
  const waitFor = async (type: string, from: number) => {
    for (;;) {
      const found = events.slice(from).find((e) => e.type === type);
      if (found) return found;
      if (child.exitCode !== null) throw new Error('watch exited');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  try {
    await waitFor('build', 0);
    const addToExportSeconds: number[] = [];
    const buildSeconds: number[] = [];
    for (const [i, photo] of newPhotos.entries()) {
      const from = events.length;
      const start = performance.now();
      await fs.copyFile(photo, path.join(work, 'images', i % 2 ? 'bees' : 'ants', `new-${i}-${path.basename(photo)}`));
      const exported = await waitFor('exported', from);
      addToExportSeconds.push((exported.at - start) / 1000);
      buildSeconds.push(((await waitFor('build', from)).durationMs ?? NaN) / 1000);
    }
    return { addToExportSeconds, buildSeconds, settleAndQuietMs: 250 + 300 };
  } finally {
    child.kill('SIGINT');
    await new Promise((resolve) => child.on('exit', resolve));
    await fs.rm(work, { recursive: true, force: true });
  }
}
