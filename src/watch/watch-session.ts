import { Subscription } from 'rxjs';
import { readConfig } from '../config/read-config.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { build } from '../pipeline/build.js';
import { BuildResources } from '../pipeline/build-resources.js';
import { batchChanges, type ChangeBatch } from './change-batch.js';
import { watchFiles } from './file-changes.js';
import type { WatchEvent } from './watch-events.js';

export interface WatchOptions {
  /** Command-line flags, re-applied over the config file whenever it changes. */
  argv: Record<string, unknown>;
  cwd: string;
  onEvent(event: WatchEvent): void;
  /** Quiet time that closes a burst of file events. */
  quietMs?: number;
  settleMs?: number;
}

/**
 * Keeps the exported model up to date with the image folders and the config, like `make` in a loop.
 * Every burst of file events becomes one build; builds never overlap. A change that arrives while a build
 * runs supersedes it: the running build stops at its next stage boundary (bottlenecks it computed stay
 * cached; an export already under way finishes) and a fresh build of the new state follows.
 */
export class WatchSession {
  private config!: ResolvedConfig;
  private configFile?: string;
  private resources?: BuildResources;
  private watcher?: Subscription;
  private dirty = true;
  private running?: { controller: AbortController; done: Promise<void> };
  private lastTestAccuracy: number | null = null;
  private stopped = false;

  constructor(private readonly options: WatchOptions) {}

  /** Reads the config, runs the first build and starts watching. */
  async start(): Promise<void> {
    const { config, file } = await readConfig(this.options.argv, this.options.cwd, (message) => this.emit({ type: 'warning', message }));
    this.config = config;
    this.configFile = file;
    this.resources = new BuildResources(config.cacheDir);
    this.watch();
    await this.rebuild();
  }

  /** Stops watching, lets a running build stop at its next boundary, flushes the cache. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.unsubscribe();
    this.running?.controller.abort();
    await this.running?.done;
    await this.resources?.close();
    this.emit({ type: 'stopped' });
  }

  /** Resolves when no build is running and none is due (for tests and scripts). */
  async idle(): Promise<void> {
    while (this.running) await this.running.done;
  }

  private emit(event: WatchEvent) {
    this.options.onEvent(event);
  }

  private watch() {
    this.watcher?.unsubscribe();
    this.emit({ type: 'watching', imageDirs: this.config.imageDirs, configFile: this.configFile });
    this.watcher = watchFiles(this.config.imageDirs, this.configFile, { settleMs: this.options.settleMs })
      .pipe(batchChanges(this.options.quietMs ?? 300))
      .subscribe({
        next: (batch) => void this.onChanges(batch),
        error: (error: Error) => this.emit({ type: 'error', message: `watching failed: ${error.message}` }),
      });
  }

  private async onChanges(batch: ChangeBatch) {
    this.emit({ type: 'change', ...batch });
    if (batch.config && this.configFile) {
      try {
        const { config } = await readConfig({ ...this.options.argv, config: this.configFile }, this.options.cwd);
        const foldersMoved = JSON.stringify(config.imageDirs) !== JSON.stringify(this.config.imageDirs);
        if (config.cacheDir !== this.config.cacheDir) {
          await this.running?.done;
          await this.resources?.close();
          this.resources = new BuildResources(config.cacheDir);
        }
        this.config = config;
        this.emit({ type: 'config', file: this.configFile });
        if (foldersMoved) this.watch();
      } catch (error) {
        this.emit({ type: 'error', message: `${(error as Error).message} (keeping the previous config)` });
        return;
      }
    }
    this.dirty = true;
    if (this.running) {
      this.running.controller.abort();
      this.emit({ type: 'superseded', reason: 'inputs changed while building' });
    }
    await this.rebuild();
  }

  /** Builds until nothing is dirty; a second caller just marks the state dirty and returns. */
  private async rebuild(): Promise<void> {
    if (this.running) return;
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      const controller = new AbortController();
      let finish!: () => void;
      this.running = { controller, done: new Promise((resolve) => (finish = resolve)) };
      try {
        const result = await build(this.config, {
          resources: this.resources,
          signal: controller.signal,
          onEvent: (event) => this.emit(event),
        });
        if (result.trained) {
          const delta = result.testAccuracy !== null && this.lastTestAccuracy !== null ? result.testAccuracy - this.lastTestAccuracy : null;
          this.emit({ type: 'trained', validationAccuracy: result.validationAccuracy, testAccuracy: result.testAccuracy, testAccuracyDelta: delta });
        }
        if (result.exported) this.emit({ type: 'exported', outputDir: result.outputDir });
        this.lastTestAccuracy = result.testAccuracy;
        this.emit({ type: 'build', ...result });
      } catch (error) {
        if (!controller.signal.aborted) this.emit({ type: 'error', message: (error as Error).message });
      } finally {
        this.running = undefined;
        finish();
      }
    }
  }
}
