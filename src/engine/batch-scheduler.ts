import fs from 'node:fs/promises';
import { mergeMap, Subject, type Subscription } from '../util/rx.js';
import type { AugmentSpec } from '../core/distortions.js';
import { sha256Hex } from '../util/content-hash.js';
import { describeFileError } from '../util/file-errors.js';
import { batchByImage } from './batch-by-image.js';
import type { BottleneckPool } from './worker-pool.js';

/**
 * A vector, or why there is none. `transient` failures (the file could not be read, a worker died, the
 * build was stopped) say nothing about the image's content, so they are not remembered.
 */
export type ScheduledOutcome = { vector: Float32Array } | { error: string; transient?: boolean; stopped?: boolean };

/** The workers cannot compute anything (engine or model failed to load): the build cannot go on. */
export class BottleneckSetupError extends Error {
  override name = 'BottleneckSetupError';
}

interface Request {
  path: string;
  sha256: string;
  augment?: AugmentSpec;
  resolve(outcome: ScheduledOutcome): void;
}

/** The requests of one batch for one content: its file is read, sent and decoded once. */
interface ImageGroup {
  bytes: Uint8Array;
  requests: Request[];
}

/**
 * Collects single-vector requests into small batches (full, or after a short wait; an image's distorted
 * variants stay together) and runs them on the worker pool, keeping every worker busy. Image bytes are
 * read only when their batch is dispatched, once per content, so memory holds just the batches in flight;
 * bytes that no longer match the hash are refused.
 */
export class BatchScheduler {
  private readonly requests = new Subject<Request>();
  private readonly subscription: Subscription;
  private readonly stats = { decodeMs: 0, inferMs: 0, images: 0 };
  /** Set when the workers cannot start: every request from then on rejects with it. */
  private fatal?: BottleneckSetupError;

  constructor(
    pool: () => BottleneckPool,
    batchSize: number,
    concurrency: number,
    private readonly signal?: AbortSignal,
  ) {
    this.subscription = this.requests
      .pipe(
        batchByImage((request) => request.sha256, batchSize, 25),
        mergeMap((batch) => this.run(pool, batch), concurrency),
      )
      .subscribe({ error: (error: Error) => (this.fatal = new BottleneckSetupError(error.message)) });
  }

  /** The vector for the image at `path` whose content hashes to `sha256`, or why there is none. */
  compute(path: string, sha256: string, augment?: AugmentSpec): Promise<ScheduledOutcome> {
    if (this.fatal) return Promise.reject(this.fatal);
    return new Promise((resolve, reject) =>
      this.requests.next({ path, sha256, augment, resolve: (outcome) => (this.fatal ? reject(this.fatal) : resolve(outcome)) }),
    );
  }

  timings() {
    return { ...this.stats };
  }

  close(): void {
    this.subscription.unsubscribe();
  }

  private async run(pool: () => BottleneckPool, batch: Request[]): Promise<void> {
    if (this.signal?.aborted || this.fatal) {
      // Stopped: batches not yet started are dropped quickly; those in flight finish and are kept.
      for (const request of batch) request.resolve({ error: 'build stopped', transient: true, stopped: true });
      return;
    }
    const bySha = new Map<string, Request[]>();
    for (const request of batch) {
      const same = bySha.get(request.sha256);
      if (same) same.push(request);
      else bySha.set(request.sha256, [request]);
    }
    const readable: ImageGroup[] = [];
    for (const [sha256, requests] of bySha) {
      const read = await readContent(requests.map((r) => r.path), sha256);
      if ('bytes' in read) readable.push({ bytes: read.bytes, requests });
      else for (const request of requests) request.resolve({ error: read.error, transient: true });
    }
    if (readable.length === 0) return;
    await this.runOnWorker(pool, readable);
  }

  /**
   * One batch on a worker. A worker that crashes or does not finish in time is replaced by the pool; the
   * batch is then retried one image at a time, so only the image that breaks a worker is reported.
   */
  private async runOnWorker(pool: () => BottleneckPool, readable: ImageGroup[]): Promise<void> {
    const requests = readable.flatMap((group) => group.requests);
    try {
      const result = await pool().run(
        readable.map((group) => new Uint8Array(group.bytes)), // copies: the originals stay for a retry
        readable.flatMap((group, image) => group.requests.map((r) => ({ image, augment: r.augment }))),
        AbortSignal.timeout(workerTimeoutMs()),
      );
      if (result.setupError !== undefined) {
        this.fatal ??= new BottleneckSetupError(`bottleneck workers cannot start: ${result.setupError}`);
        for (const request of requests) request.resolve({ error: result.setupError, transient: true });
        return;
      }
      this.stats.decodeMs += result.decodeMs;
      this.stats.inferMs += result.inferMs;
      this.stats.images += requests.length;
      requests.forEach((request, i) => request.resolve(result.outcomes[i]!));
    } catch (error) {
      if (readable.length > 1) {
        for (const one of readable) await this.runOnWorker(pool, [one]);
        return;
      }
      const timedOut = (error as Error).name === 'TimeoutError' || /abort/i.test((error as Error).message);
      const outcome = timedOut
        ? // A busy machine can be slow too: not remembered.
          { error: `bottleneck worker did not finish within ${workerTimeoutMs() / 1000} s on this image; worker replaced`, transient: true }
        : { error: `bottleneck worker crashed on this image (${(error as Error).message.split('\n')[0]}); worker replaced` };
      for (const request of requests) request.resolve(outcome);
    }
  }
}

/** The bytes of the first of `paths` that still holds the content `sha256`, or why none does. */
async function readContent(paths: string[], sha256: string): Promise<{ bytes: Uint8Array } | { error: string }> {
  let error = 'no file';
  for (const path of paths) {
    try {
      const bytes = await fs.readFile(path);
      if (sha256Hex(bytes) === sha256) return { bytes };
      error = 'file changed while it was being read';
    } catch (readError) {
      error = describeFileError(readError);
    }
  }
  return { error };
}

/** How long one batch may take on a worker before it counts as hung (RETRAIN_WORKER_TIMEOUT_MS, default 120 s). */
function workerTimeoutMs(): number {
  return Number(process.env.RETRAIN_WORKER_TIMEOUT_MS) || 120_000;
}
