import type { RetrainCache } from '../store/retrain-cache.js';
import type { ModelOptions } from '../config/define-config.js';
import type { BuildContext } from './build-context.js';
import { BatchScheduler } from '../engine/batch-scheduler.js';
import type { VectorRef } from './dataset.js';
import { DamagedVectorError } from './damaged-vector.js';
import type { VectorOutcome, VectorRequest } from './vector-request.js';

export type { VectorOutcome, VectorRequest };

/** The config a vector source reads (declared by the bottleneck and augment stages). */
export interface VectorSettings {
  model: string;
  modelOptions: ModelOptions;
  backend: 'auto' | 'onnx' | 'node' | 'wasm' | 'cpu';
  inferenceBatchSize: number;
  workers: number;
}

export interface VectorCounts {
  /** Requests answered: a vector (computed or cached) or a failure; not those a stopped build dropped. */
  done: number;
  computed: number;
  cached: number;
  total: number;
}

/**
 * Answers vector requests from the LMDB cache, else the remote cache (when configured; a hit is stored
 * locally), else computes them on the worker pool and stores them (locally, and queued for upload). A key
 * asked for twice in one build is computed once. Decode failures are remembered under the key (so a
 * rebuild does not decode that content again); transient failures are not.
 */
export class VectorSource {
  readonly counts: VectorCounts = { done: 0, computed: 0, cached: 0, total: 0 };
  private readonly scheduler: BatchScheduler;
  private readonly inFlight = new Map<string, Promise<VectorOutcome>>();
  /** Set once a queue worker failed a job for a reason other than its image (said once per build). */
  private workerFailed = false;

  constructor(
    private readonly context: Omit<BuildContext, 'config'>,
    private readonly settings: VectorSettings,
  ) {
    this.scheduler = new BatchScheduler(() => context.pool(), settings.inferenceBatchSize, settings.workers, context.signal);
  }

  get(request: VectorRequest): Promise<VectorOutcome> {
    this.counts.total++;
    const known = this.inFlight.get(request.key);
    if (known) {
      return known.then((outcome) => {
        if (!isStopped(outcome)) this.counts.done++;
        if ('vector' in outcome) this.counts.cached++;
        return 'vector' in outcome ? { vector: outcome.vector, cached: true } : outcome;
      });
    }
    // In the local cache: answered without being remembered (a map entry, a promise and an outcome per image
    // of a million-image build); asked again, the cache answers again, as cached, as before.
    if (this.context.cache.containsBottleneck(request.key)) {
      return Promise.resolve<VectorOutcome>({ vector: lazyVector(this.context.cache, request), cached: true, local: true }).then((outcome) => {
        this.counts.done++;
        this.counts.cached++;
        return outcome;
      });
    }
    const answer = this.lookUpOrCompute(request);
    this.inFlight.set(request.key, answer);
    return answer.then((outcome) => {
      if (!isStopped(outcome)) this.counts.done++;
      if ('vector' in outcome) this.counts[outcome.cached ? 'cached' : 'computed']++;
      return outcome;
    });
  }

  timings() {
    return this.scheduler.timings();
  }

  close(): void {
    this.scheduler.close();
  }

  private async lookUpOrCompute({ key, path, sha256, augment }: VectorRequest): Promise<VectorOutcome> {
    const { cache } = this.context;
    if (cache.containsBottleneck(key)) return { vector: lazyVector(cache, { key, path, sha256, augment }), cached: true, local: true };
    const failure = cache.getFailure(key);
    if (failure) return { error: failure };
    const shared = await this.context.remote?.getVector(key);
    if (shared) {
      return { vector: heldUntilStored(cache, { key, path, sha256, augment }, shared), cached: true };
    }
    const { queue, remote } = this.context;
    const config = this.settings;
    if (queue && remote?.enabled) {
      // Computed by a queue worker into the remote cache, then read back from there (and verified).
      const job = await queue.compute({ key, path, sha256, augment, model: config.model, modelOptions: config.modelOptions, backend: config.backend, remoteCache: remote.url });
      if (!('error' in job)) {
        const vector = await remote.getVector(key);
        if (!vector) return { error: `a queue worker computed ${key}, but the remote cache does not give it back` };
        return { vector: heldUntilStored(cache, { key, path, sha256, augment }, vector), cached: false };
      }
      if (job.image) return { error: job.error };
      // The worker failed, not the image (it cannot reach the remote cache, another model…): compute it here.
      if (!this.workerFailed) this.context.emit({ type: 'warning', message: `queue ${queue.url}: a worker could not compute ${path} (${job.error}); computing the vectors workers fail on here` });
      this.workerFailed = true;
    }
    const outcome = await this.scheduler.compute(path, sha256, augment);
    if ('error' in outcome) {
      if (!outcome.transient) void cache.putFailure(key, outcome.error);
      return { error: outcome.error, stopped: outcome.stopped, transient: outcome.transient };
    }
    const vector = heldUntilStored(cache, { key, path, sha256, augment }, outcome.vector);
    await this.context.remote?.putVector(key, outcome.vector);
    return { vector, cached: false };
  }
}

/** Dropped because the build was stopped (Ctrl-C): not done, so progress does not count it. */
function isStopped(outcome: VectorOutcome): boolean {
  return 'error' in outcome && outcome.stopped === true;
}

/**
 * Stores a vector and holds it only until LMDB has it; then it is read like any cached one, so a build
 * that computes a million vectors does not keep them all.
 */
function heldUntilStored(cache: RetrainCache, request: VectorRequest, vector: Float32Array): VectorRef {
  let held: Float32Array | undefined = vector;
  void cache.putBottleneck(request.key, vector).then((stored) => {
    if (stored) held = undefined;
  });
  const read = lazyVector(cache, request);
  return () => held ?? read();
}

/**
 * Reads the vector from LMDB on every use (a copy: nothing is held, so memory does not grow with the data
 * set). A value that fails its checksum is removed and thrown as a DamagedVectorError for the stage to
 * recompute it.
 */
function lazyVector(cache: RetrainCache, request: VectorRequest): VectorRef {
  return () => readCachedVector(cache, request);
}

/** The vector cached under `request.key`, read now (see lazyVector). */
export function readCachedVector(cache: RetrainCache, request: VectorRequest): Float32Array {
  const { key } = request;
  const vector = cache.getBottleneck(key);
  if (vector) return vector;
  if (cache.containsBottleneck(key)) {
    void cache.remove('bottlenecks', key);
    throw new DamagedVectorError(request);
  }
  throw new Error(`bottleneck ${key} is no longer in the cache (removed while building?); build again`);
}
