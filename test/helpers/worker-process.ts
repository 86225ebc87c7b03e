import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './shared.js';

const BIN = path.join(REPO_ROOT, 'bin/retrain.js');

/** A real `retrain worker` process: its child, what it printed on stderr so far, and a clean stop. */
export interface WorkerProcess {
  child: ChildProcess;
  log(): string;
  /** SIGTERM, then resolves once it exited, with everything it printed. No-op if it already exited. */
  stop(): Promise<string>;
}

/** Starts `retrain worker --queue redisUrl --workers 1 --cache-dir cacheDir …extra`; resolves once it takes jobs. */
export async function startWorker(redisUrl: string, cacheDir: string, extra: string[] = []): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [BIN, 'worker', '--queue', redisUrl, '--workers', '1', '--cache-dir', cacheDir, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', () => log.includes('waiting for bottleneck jobs') && resolve());
    child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${log}`)));
  });
  return {
    child,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      return log;
    },
  };
}
