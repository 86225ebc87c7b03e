import { createRequire } from 'node:module';
import type { Piscina as PiscinaClass } from 'piscina';
import type { BottleneckEngine } from './feature-engine.js';
import type { ModelIdentity } from './model-identity.js';
import type { ResolvedModel } from './model/resolve-model.js';
import type { BottleneckItem, BottleneckTaskResult } from './worker-protocol.js';

/** A pool of bottleneck workers (one engine each: onnxruntime or TensorFlow.js) for one model. */
export interface BottleneckPool {
  /**
   * Runs one batch: `items` say which vectors to compute of which image (default: each image plain).
   * `signal` aborts it, terminating (and replacing) the worker that runs it.
   */
  run(images: Uint8Array[], items?: BottleneckItem[], signal?: AbortSignal): Promise<BottleneckTaskResult>;
  close(): Promise<void>;
}

/**
 * piscina, loaded when the first pool is made: a build with every bottleneck cached never starts one. Its
 * CommonJS entry (the one its ES module wrapper re-exports), so creating a pool stays synchronous.
 */
let Piscina: typeof PiscinaClass | undefined;

export function createBottleneckPool(model: ResolvedModel, identity: ModelIdentity, engine: BottleneckEngine, threads: number): BottleneckPool {
  Piscina ??= (createRequire(import.meta.url)('piscina') as { Piscina: typeof PiscinaClass }).Piscina;
  const pool = new Piscina({
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    // Each worker holds a whole engine: keep them alive for the run, one task at a time each.
    idleTimeout: 60_000,
    concurrentTasksPerWorker: 1,
  });
  return {
    run(images, items = images.map((_, image) => ({ image })), signal) {
      // Each image gets its own ArrayBuffer so transferring it hands the bytes over without a copy.
      const owned = images.map((b) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : new Uint8Array(b)));
      return pool.run({ model, identity, engine, images: owned, items }, { transferList: owned.map((b) => b.buffer as ArrayBuffer), signal });
    },
    async close() {
      await pool.destroy();
    },
  };
}
