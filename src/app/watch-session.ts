import { Subscription } from '../util/rx.js';
import { readConfig } from '../config/read-config.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { build } from '../pipeline/build.js';
import { checkBuildOutputs } from '../pipeline/build-outputs.js';
import { BuildResources } from '../pipeline/build-resources.js';
import { buildStatus } from '../pipeline/stage-status.js';
import { readRecordedImages } from '../pipeline/stage-record.js';
import { countMoved, sayMoved } from './moved-images.js';
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
  /** redis://…: missing bottlenecks are computed by `retrain worker`s into the remote cache. */
  queue?: string;
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
  private looping = false;
  private running?: { controller: AbortController; done: Promise<void> };
  private configReload: Promise<void> = Promise.resolve();
  private lastTestAccuracy: number | null = null;
  /** Image roots that are gone: no build runs until they are back (a build would drop their classes). */
  private readonly goneRoots = new Set<string>();
  /** Image paths added and removed since the last completed build: a move is both, and is said as one. */
  private readonly sinceBuild = { added: new Set<string>(), removed: new Set<string>() };
  private stopped = false;

  constructor(private readonly options: WatchOptions) {}

  /** The config builds use now and the cache and engines they share (for the audit of `--ui`). */
  get current(): { config: ResolvedConfig; resources?: BuildResources } {
    return { config: this.config, resources: this.resources };
  }

  /** Reads the config, runs the first build and starts watching. */
  async start(): Promise<void> {
    const { config, file } = await readConfig(this.options.argv, this.options.cwd, (message) => this.emit({ type: 'warning', message }));
    await checkBuildOutputs(config); // a refused output ends the command at once, before the cache is opened
    this.config = config;
    this.configFile = file;
    this.resources = new BuildResources(config.cacheDir, config.remote);
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

  private emit(event: WatchEvent) {
    this.options.onEvent(event);
  }

  private watch() {
    this.watcher?.unsubscribe();
    this.goneRoots.clear();
    this.emit({ type: 'watching', imageDirs: this.config.imageDirs, configFile: this.configFile });
    this.watcher = watchFiles(this.config.imageDirs, this.configFile, { settleMs: this.options.settleMs })
      .pipe(batchChanges(this.options.quietMs ?? 300))
      .subscribe({
        next: (batch) => this.onChanges(batch),
        error: (error: Error) => {
          // Never go on without watching: report, then watch again (and rebuild, in case events were lost).
          this.emit({ type: 'error', message: `watching failed: ${error.message}; watching again` });
          setTimeout(() => {
            if (this.stopped) return;
            this.watch();
            this.dirty = true;
            void this.rebuild();
          }, 1000);
        },
      });
  }

  /**
   * A burst of changes: supersede the running build at once, apply a config change in order (before the
   * next build starts), then make sure a build of the new state follows.
   */
  private onChanges(batch: ChangeBatch) {
    if (this.stopped) return;
    this.emit({ type: 'change', ...batch });
    for (const file of batch.added) this.sinceBuild.added.add(file);
    for (const file of batch.removed) this.sinceBuild.removed.add(file);
    for (const message of batch.errors) this.emit({ type: 'error', message: `file watcher: ${message}; still watching` });
    for (const root of batch.rootsGone) {
      this.goneRoots.add(root);
      this.emit({ type: 'image-folder', path: root, state: 'gone' });
    }
    for (const root of batch.rootsBack) {
      this.goneRoots.delete(root);
      this.emit({ type: 'image-folder', path: root, state: 'back' });
    }
    if (batch.configGone && this.configFile) this.emit({ type: 'config-gone', file: this.configFile });
    // A deleted config changes nothing: the previous one stays. A vanished root supersedes a running build
    // (it must not export a model without that folder's classes) and no build starts until it is back.
    const filesChanged = batch.added.length + batch.changed.length + batch.removed.length + batch.folders.length > 0;
    if (!filesChanged && !batch.config && batch.rootsGone.length + batch.rootsBack.length + batch.errors.length === 0) return;
    this.dirty = true;
    if (this.running && !this.running.controller.signal.aborted) {
      this.running.controller.abort();
      this.emit({ type: 'superseded', reason: 'inputs changed while building; it stops at its next stage boundary' });
    }
    if (batch.config && this.configFile) this.configReload = this.configReload.then(() => this.reloadConfig());
    void this.rebuild();
  }

  private async reloadConfig() {
    try {
      const { config } = await readConfig({ ...this.options.argv, config: this.configFile }, this.options.cwd);
      if (this.stopped) return;
      const foldersMoved = JSON.stringify(config.imageDirs) !== JSON.stringify(this.config.imageDirs);
      if (config.cacheDir !== this.config.cacheDir) {
        // Only between builds: the loop waits for this reload before it starts the next one.
        await this.running?.done;
        await this.resources?.close();
        this.resources = new BuildResources(config.cacheDir, config.remote);
      }
      this.config = config;
      this.emit({ type: 'config', file: this.configFile! });
      if (foldersMoved) this.watch();
    } catch (error) {
      this.emit({ type: 'error', message: `${(error as Error).message} (keeping the previous config)` });
    }
  }

  /** Builds until nothing is dirty. Only one loop runs; other callers just mark the state dirty. */
  private async rebuild(): Promise<void> {
    if (this.looping) return;
    this.looping = true;
    try {
      // While an image root is gone, nothing is built: the last model stays until the folder is back. Asked after
      // the pending config reload: a config naming other folders watches afresh, and a root the old config named
      // no longer counts (asked before, the fix of a config naming a missing folder was never built).
      while (this.dirty && !this.stopped) {
        await this.configReload;
        if (this.stopped || this.goneRoots.size > 0) break;
        this.dirty = false;
        await this.buildOnce();
      }
    } finally {
      this.looping = false;
    }
  }

  private async buildOnce() {
    const controller = new AbortController();
    let finish!: () => void;
    this.running = { controller, done: new Promise((resolve) => (finish = resolve)) };
    try {
      // The cache file changed under the open environment (truncated, deleted, replaced, scrambled):
      // using the old mapping would crash (SIGBUS) or write to a file no one sees. Open the cache afresh;
      // a damaged file is then moved aside as at any start (the build says so).
      const changed = this.resources?.cache.changedOnDisk();
      if (changed && this.resources) {
        this.emit({ type: 'warning', message: `the cache file ${this.resources.cache.file} changed while watching (${changed}); opening it again` });
        await this.resources.close().catch(() => undefined);
        this.resources = new BuildResources(this.config.cacheDir, this.config.remote);
      }
      // What changed, explained as `retrain status` does (before the build records the new state); images moved
      // or renamed while watching are said as such, not as new (status compares paths).
      const [added, removed] = [[...this.sinceBuild.added], [...this.sinceBuild.removed]];
      const status = await buildStatus(this.config).catch(() => undefined);
      if (status && !status.upToDate) {
        const stale = status.stages.filter((s) => !s.upToDate);
        const mayHaveMoved = added.length > 0 && removed.length > 0 && stale.some((s) => s.stage === 'bottleneck');
        // Only the changed paths' entries are kept of the record, read as a stream (it lists every image).
        const record = mayHaveMoved ? await readRecordedImages(this.config.cacheDir, this.config.outputDir, new Set([...added, ...removed])).catch(() => undefined) : undefined;
        const moved = record ? await countMoved(added, removed, record) : 0;
        this.emit({ type: 'stale', stages: sayMoved(stale, moved) });
      }
      const result = await build(this.config, {
        resources: this.resources,
        signal: controller.signal,
        queue: this.options.queue,
        onEvent: (event) => this.emit(event),
      });
      if (result.trained) {
        const delta = result.testAccuracy !== null && this.lastTestAccuracy !== null ? result.testAccuracy - this.lastTestAccuracy : null;
        this.emit({ type: 'trained', validationAccuracy: result.validationAccuracy, testAccuracy: result.testAccuracy, testAccuracyDelta: delta });
      }
      if (result.exported) this.emit({ type: 'exported', outputDir: result.outputDir });
      this.lastTestAccuracy = result.testAccuracy;
      for (const file of added) this.sinceBuild.added.delete(file);
      for (const file of removed) this.sinceBuild.removed.delete(file);
      this.emit({ type: 'build', ...result });
    } catch (error) {
      if (!controller.signal.aborted) this.emit({ type: 'error', message: (error as Error).message });
    } finally {
      this.running = undefined;
      finish();
    }
  }
}
