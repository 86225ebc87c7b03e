import { createBottleneckPool, type BottleneckPool } from '../engine/worker-pool.js';
import { cacheDataFile, checkCacheFolder, RetrainCache } from '../store/retrain-cache.js';
import { RemoteCache, type RemoteCacheSettings } from '../store/remote-cache.js';
import { choiceFor, initBackend, type BackendName } from '../engine/model/backend.js';
import type { BottleneckEngine } from '../engine/feature-engine.js';
import type { FeatureExtractor } from '../engine/feature-extractor.js';
import type { ModelIdentity } from '../engine/model-identity.js';
import type { ResolvedModel } from '../engine/model/resolve-model.js';

/**
 * The expensive, long-lived things builds share: the open cache, the worker pool and the feature extractor
 * in this thread, each started on first use. `retrain build` makes one for one build; `retrain watch` keeps
 * one across rebuilds, so engines stay warm. A pool or extractor for another model replaces the old one.
 */
export class BuildResources {
  private pool?: { key: string; pool: BottleneckPool };
  private extractor?: { key: string; extractor: Promise<FeatureExtractor> };
  private opened?: RetrainCache;
  private readonly cacheDir: string;
  readonly remote?: RemoteCache;

  constructor(cacheDir: string, remote?: RemoteCacheSettings) {
    checkCacheFolder(cacheDir);
    this.cacheDir = cacheDir;
    if (remote) this.remote = new RemoteCache(remote);
  }

  /**
   * The cache, opened on first use: an up-to-date build (src/pipeline/up-to-date-build.ts) never opens it,
   * so it maps none of its pages. A damaged cache file costs a recomputation, never the build: it is moved
   * aside (the build warns).
   */
  get cache(): RetrainCache {
    this.opened ??= RetrainCache.open(this.cacheDir, { ifDamaged: 'move-aside' });
    return this.opened;
  }

  /** The cache's data file, without opening it. */
  get cacheFile(): string {
    return this.opened?.file ?? cacheDataFile(this.cacheDir);
  }

  /** Resolves when the cache's writes so far are committed (at once when it was not opened). */
  async flushed(): Promise<void> {
    await this.opened?.flushed();
  }

  bottleneckPool(model: ResolvedModel, identity: ModelIdentity, engine: BottleneckEngine, threads: number): BottleneckPool {
    const key = JSON.stringify([model.modelJson, identity, engine, threads]);
    if (this.pool?.key !== key) {
      void this.pool?.pool.close();
      this.pool = { key, pool: createBottleneckPool(model, identity, engine, threads) };
    }
    return this.pool.pool;
  }

  featureExtractor(model: ResolvedModel, identity: ModelIdentity, backend: BackendName): Promise<FeatureExtractor> {
    const key = JSON.stringify([model.modelJson, identity, backend]);
    // TensorFlow.js is loaded here, on first use: a build with nothing to export never loads it.
    if (this.extractor?.key !== key) {
      const loaded = initBackend(choiceFor(backend)).then(() => import('../engine/feature-extractor.js'));
      this.extractor = { key, extractor: loaded.then(({ loadFeatureExtractor }) => loadFeatureExtractor(model, identity)) };
      return this.extractor.extractor;
    }
    // A build gives a library caller's TF.js backend back when it ends (preservingTfState): set ours again.
    const { extractor } = this.extractor;
    return initBackend(choiceFor(backend)).then(() => extractor);
  }

  async close(): Promise<void> {
    await this.pool?.pool.close();
    await this.remote?.flush();
    this.remote?.close();
    await this.opened?.flushed();
    await this.opened?.close();
  }
}
