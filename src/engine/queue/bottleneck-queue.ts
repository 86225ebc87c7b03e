import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { queueJobId } from '../../store/keys.js';
import { parseFailure, QUEUE_NAME, redisConnection, type BottleneckJob } from './bottleneck-job.js';

/**
 * The coordinator's side of the queue: adds bottleneck jobs (idempotent: the job id is the key's hash) and
 * resolves each when a worker reports it done, from BullMQ's event stream. Retries with backoff are BullMQ's;
 * a job whose worker dies is taken by another once its lock expires.
 */
export class BottleneckQueue {
  private readonly waiters = new Map<string, Array<(outcome: JobOutcome) => void>>();

  private constructor(
    readonly url: string,
    private readonly queue: Queue<BottleneckJob>,
    private readonly events: QueueEvents,
    private readonly clients: Redis[],
  ) {
    events.on('completed', ({ jobId: id }) => this.settle(id, { done: true }));
    events.on('failed', ({ jobId: id, failedReason }) => this.settle(id, parseFailure(failedReason)));
  }

  /**
   * Connects, or throws one line within `timeoutMs`: BullMQ itself would wait for Redis forever.
   */
  static async connect(url: string, timeoutMs = 3000): Promise<BottleneckQueue> {
    // Our own ioredis clients: a client BullMQ made for itself cannot be closed while it is still trying to
    // connect (its disconnect waits for the connection), and ioredis would retry for ever.
    let lastError = '';
    let givenUp = false;
    // Copies BullMQ makes of a client keep these options: once given up, none of them reconnects.
    const retryStrategy = (attempt: number) => (givenUp ? null : Math.min(attempt * 200, 2000));
    const clients = [0, 1].map(() => {
      const client = new Redis({ ...redisConnection(url, '--queue'), maxRetriesPerRequest: null, retryStrategy });
      client.on('error', (error: Error) => (lastError = error.message));
      return client;
    });
    const queue = new Queue<BottleneckJob>(QUEUE_NAME, { connection: clients[0]! });
    const events = new QueueEvents(QUEUE_NAME, { connection: clients[1]! });
    queue.on('error', (error) => (lastError = error.message));
    events.on('error', (error) => (lastError = error.message));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all([queue.waitUntilReady(), events.waitUntilReady()]),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer')), timeoutMs))),
      ]);
      // The event stream is read from "now": make sure its reader is up before any job is added.
      await events.waitUntilReady();
    } catch (error) {
      givenUp = true;
      // Their close waits for a connection that will not come: start it, do not wait for it.
      void queue.close().catch(() => undefined);
      void events.close().catch(() => undefined);
      for (const client of clients) client.disconnect();
      throw new Error(`queue ${url}: Redis unreachable within ${timeoutMs / 1000} s (${lastError || (error as Error).message})`);
    } finally {
      clearTimeout(timer);
    }
    return new BottleneckQueue(url, queue, events, clients);
  }

  /** Resolves when a worker has put the vector in the remote cache (or given up on it). */
  compute(job: BottleneckJob): Promise<JobOutcome> {
    const id = queueJobId(job.key);
    return new Promise((resolve, reject) => {
      const waiting = this.waiters.get(id);
      if (waiting) return void waiting.push(resolve);
      this.waiters.set(id, [resolve]);
      this.queue
        .add('bottleneck', job, { jobId: id, attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: true })
        .catch((error: Error) => {
          this.waiters.delete(id);
          reject(new Error(`queue ${this.url}: cannot add a job (${error.message})`));
        });
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    for (const client of this.clients) client.disconnect();
  }

  private settle(id: string, outcome: JobOutcome): void {
    const waiting = this.waiters.get(id);
    if (!waiting) return;
    this.waiters.delete(id);
    for (const resolve of waiting) resolve(outcome);
  }
}

/** A job done, or failed: `image` when its image caused it (skip the image), else the worker did (compute it here). */
export type JobOutcome = { done: true } | { error: string; image: boolean };
