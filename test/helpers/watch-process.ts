import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './shared.js';

export type Event = Record<string, unknown> & { type: string };

/** A real `retrain watch --json` process whose events can be awaited. */
export class WatchProcess {
  readonly events: Event[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private stderr = '';
  private waiters: Array<() => void> = [];

  constructor(cwd: string, args: string[] = []) {
    this.child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), 'watch', '--json', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line.trim()) this.events.push(JSON.parse(line) as Event);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => {
      for (const wake of this.waiters.splice(0)) wake();
      resolve(code);
    }));
  }

  /** The first event from index `from` on that matches, waiting up to `timeoutMs`. */
  async next(predicate: (event: Event) => boolean, from: number, timeoutMs = 60_000): Promise<{ event: Event; index: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.events.findIndex((e, i) => i >= from && predicate(e));
      if (index >= 0) return { event: this.events[index]!, index };
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no matching event (exit ${this.child.exitCode}); events: ${JSON.stringify(this.events.slice(from).map((e) => e.type))}; stderr: ${this.stderr}`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  /** Waits for the next completed build after event index `from`. */
  async nextBuild(from: number, timeoutMs?: number) {
    return this.next((e) => e.type === 'build', from, timeoutMs);
  }

  stop(signal: NodeJS.Signals = 'SIGINT') {
    this.child.kill(signal);
    return this.exited;
  }
}
