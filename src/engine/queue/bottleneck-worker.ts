import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { BatchScheduler } from '../batch-scheduler.js';
import { createBottleneckPool, type BottleneckPool } from '../worker-pool.js';
import { selectEngine } from '../feature-engine.js';
import { resolveModel } from '../model/resolve-model.js';
import { graphShare } from '../../store/graph-share.js';
import { bottleneckPrefix } from '../../store/keys.js';
import { RemoteCache } from '../../store/remote-cache.js';
import { imageFailure, QUEUE_NAME, redisConnection, type BottleneckJob } from './bottleneck-job.js';

export interface WorkerOptions {
  queue: string;
  /** Threads of the bottleneck pool. */
  threads: number;
  inferenceBatchSize: number;
  /** Local folder for model downloads and converted graphs. */
  cacheDir: string;
  /** Where registry names are looked up on this machine (default: ../shared/models beside the working folder). */
  modelsDirs?: string[];
  /** Jobs whose worker stopped answering are taken by another after about this long (ms). */
  lockMs?: number;
  log: (line: string) => void;
}

interface Engine {
  scheduler: BatchScheduler;
  pool: BottleneckPool;
  prefix: string;
}

/**
 * Takes bottleneck jobs from the queue and runs them on this machine's worker pool: a job whose key is in
 * the remote cache already is done at once (jobs are idempotent), else the image is read from its shared path,
 * refused if its content no longer hashes to the job's hash, computed, and uploaded; the job completes only
 * once the vector is in the remote cache. Transient failures are retried with backoff by BullMQ.
 */
export async function runBottleneckWorker(options: WorkerOptions, signal: AbortSignal): Promise<{ computed: number; present: number }> {
  const engines = new Map<string, Promise<Engine>>();
  const remotes = new Map<string, RemoteCache>();
  const done = { computed: 0, present: 0 };

  const engineFor = (job: BottleneckJob): Promise<Engine> => {
    const id = JSON.stringify([job.model, job.modelOptions, job.backend]);
    let engine = engines.get(id);
    if (!engine) {
      engine = (async () => {
        const model = await resolveModel(job.model, job.modelOptions, options.cacheDir, options.modelsDirs);
        const { engine: selected, identity } = await selectEngine(job.backend, model, options.cacheDir, graphShare(remoteFor(job.remoteCache)));
        const pool = createBottleneckPool(model, identity, selected, options.threads);
        options.log(`model ${model.source} on ${selected.name}, ${options.threads} threads`);
        return { pool, scheduler: new BatchScheduler(() => pool, options.inferenceBatchSize, options.threads), prefix: bottleneckPrefix(identity) };
      })();
      engines.set(id, engine);
    }
    return engine;
  };
  const remoteFor = (url: string) => {
    let remote = remotes.get(url);
    if (!remote) {
      remote = new RemoteCache({ url, readOnly: false, required: true });
      remote.warn = options.log;
      remotes.set(url, remote);
    }
    return remote;
  };

  const process = async (job: Job<BottleneckJob>) => {
    const data = job.data;
    const remote = remoteFor(data.remoteCache);
    if (await remote.getVector(data.key)) {
      done.present++;
      return 'present';
    }
    const engine = await engineFor(data);
    // Another model (or another version of this one) here than on the machine that asked: never store under its key.
    if (!data.key.startsWith(engine.prefix)) throw new UnrecoverableError(`this worker's model gives keys ${engine.prefix}…, the job asks for ${data.key}`);
    const outcome = await engine.scheduler.compute(data.path, data.sha256, data.augment);
    if ('error' in outcome) {
      if (outcome.transient) throw new Error(`${data.path}: ${outcome.error}`);
      throw new UnrecoverableError(imageFailure(outcome.error));
    }
    if (!(await remote.storeVector(data.key, outcome.vector))) throw new Error(`cannot store ${data.key} in ${data.remoteCache}`);
    done.computed++;
    return 'computed';
  };

  const lockDuration = options.lockMs ?? 30_000;
  let givenUp = false;
  const retryStrategy = (attempt: number) => (givenUp ? null : Math.min(attempt * 200, 2000));
  const worker = new Worker<BottleneckJob>(QUEUE_NAME, process, {
    connection: { ...redisConnection(options.queue, '--queue'), maxRetriesPerRequest: null, retryStrategy },
    concurrency: options.threads * options.inferenceBatchSize * 2,
    lockDuration,
    stalledInterval: Math.max(1000, Math.floor(lockDuration / 3)),
    maxStalledCount: 3,
  });
  let lastError = '';
  let ready = false;
  worker.on('error', (error) => {
    // ioredis reports a refused connection on every retry: say it once. Before the first connection the
    // error that ends the wait says it, in its one line.
    if (ready && error.message !== lastError) options.log(`queue ${options.queue}: ${error.message}`);
    lastError = error.message;
  });
  worker.on('failed', (job, error) => options.log(`job ${job?.data.path ?? '?'} failed: ${error.message}`));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      worker.waitUntilReady(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`--queue ${options.queue}: Redis unreachable within 10 s${lastError ? ` (${lastError})` : ''}`)), 10_000))),
    ]);
  } catch (error) {
    givenUp = true;
    void worker.close().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  ready = true;
  lastError = '';
  options.log(`waiting for bottleneck jobs on ${options.queue}`);
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await worker.close();
  for (const engine of engines.values()) {
    const { scheduler, pool } = await engine;
    scheduler.close();
    await pool.close();
  }
  for (const remote of remotes.values()) remote.close();
  return done;
}
