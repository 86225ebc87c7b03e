import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { freePorts } from '../bench/services.js';
import { RetrainCache } from '../src/store/retrain-cache.js';
import type { RetrainConfig } from '../src/config/define-config.js';
import { resolveConfig } from '../src/config/resolved-config.js';
import type { BuildEvent } from '../src/pipeline/build-events.js';
import { build } from '../src/pipeline/build.js';
import { MODEL_DIR } from './helpers/shared.js';
import { startWorker as startWorkerProcess, type WorkerProcess } from './helpers/worker-process.js';
import { QUEUE_SKIP, useQueueSuite } from './helpers/queue-suite.js';

const PER_CLASS = 10;

/** `retrain worker` processes on real Redis (BullMQ) and a real S3 API store, one of them SIGKILLed mid-run. */
describe('bottleneck queue (real Redis + S3 API store)', { skip: QUEUE_SKIP }, () => {
  const workers: WorkerProcess[] = [];
  const suite = useQueueSuite(PER_CLASS, 'retrain-queue-', async () => {
    for (const worker of workers) await worker.stop();
  });

  const config = (name: string, overrides: Partial<RetrainConfig> = {}) =>
    resolveConfig({ imageDir: suite.images, model: MODEL_DIR, train: { steps: 30 }, seed: 5, workers: 1, cacheDir: path.join(suite.work, `${name}-cache`), outputDir: path.join(suite.work, `${name}-out`), ...overrides }, suite.work);

  /** A `retrain worker` with one thread; resolves once it takes jobs. */
  async function startWorker(name: string): Promise<ChildProcess> {
    const worker = await startWorkerProcess(suite.services.redisUrl, path.join(suite.work, `${name}-models`), ['--lock-ms', '4000']);
    workers.push(worker);
    return worker.child;
  }

  function vectors(cacheDir: string): Map<string, Float32Array> {
    const cache = RetrainCache.open(cacheDir);
    const all = new Map<string, Float32Array>();
    for (const [key] of cache.entries('bottlenecks')) all.set(key, cache.getBottleneck(key)!);
    void cache.close();
    return all;
  }

  it('two workers, one SIGKILLed mid-run: every vector arrives, the same as a local build computes', async () => {
    const local = await build(config('local'));
    assert.equal(local.bottlenecksComputed, PER_CLASS * 2);

    const [first] = await Promise.all([startWorker('a'), startWorker('b')]);
    let killed = false;
    const onEvent = (event: BuildEvent) => {
      if (!killed && event.type === 'bottleneck-progress' && event.computed >= 2) {
        killed = true;
        first!.kill('SIGKILL');
      }
    };
    const queued = await build(config('queued', { remoteCache: `s3://${suite.services.bucket}/queue` }), { queue: suite.services.redisUrl, onEvent });
    assert.ok(killed, 'a worker was killed while jobs were running');
    assert.equal(queued.bottlenecksComputed, PER_CLASS * 2);
    assert.equal(queued.skipped.length, 0);
    assert.equal(queued.remote?.uploads, 0, 'the workers uploaded, not the coordinator');

    const expected = vectors(path.join(suite.work, 'local-cache'));
    const got = vectors(path.join(suite.work, 'queued-cache'));
    assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort());
    let maxDiff = 0;
    for (const [key, vector] of expected) {
      const other = got.get(key)!;
      assert.equal(other.length, vector.length);
      for (let i = 0; i < vector.length; i++) maxDiff = Math.max(maxDiff, Math.abs(vector[i]! - other[i]!));
    }
    console.log(`largest difference between queue and local vectors: ${maxDiff}`);
    assert.ok(maxDiff < 1e-4, `vectors differ by up to ${maxDiff}`);
  });

  it('Redis unreachable: one clear line, a local build', async () => {
    const [port] = await freePorts(1);
    const events: BuildEvent[] = [];
    const result = await build(config('no-redis', { remoteCache: `s3://${suite.services.bucket}/no-redis` }), { queue: `redis://127.0.0.1:${port}`, onEvent: (e) => events.push(e) });
    const lines = events.flatMap((e) => (e.type === 'warning' && e.message.includes('queue') ? [e.message] : []));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^queue redis:\/\/127\.0\.0\.1:\d+: Redis unreachable within 3 s .*; computing bottlenecks locally$/);
    assert.equal(result.bottlenecksComputed, PER_CLASS * 2);
  });
});
