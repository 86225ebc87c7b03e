import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RetrainCache } from '../src/store/retrain-cache.js';
import { REPO_ROOT } from './helpers/shared.js';
import { startWorker, type WorkerProcess } from './helpers/worker-process.js';
import { QUEUE_SKIP, useQueueSuite, writeQueueConfig } from './helpers/queue-suite.js';

const BIN = path.join(REPO_ROOT, 'bin/retrain.js');
const PER_CLASS = 5;
const IMAGES = PER_CLASS * 2;

/** `retrain experiment --queue`: the bottlenecks come from a real `retrain worker` (real Redis, real Swift). */
describe('experiment --queue (real Redis + S3 API store + retrain worker)', { skip: QUEUE_SKIP }, () => {
  let worker: WorkerProcess | undefined;
  const suite = useQueueSuite(PER_CLASS, 'retrain-queue-cmd-', async () => {
    await worker?.stop();
  });

  it('two experiments: the worker computes every vector once, the coordinator none, and both train', async () => {
    worker = await startWorker(suite.services.redisUrl, path.join(suite.work, 'worker-models'));
    const configFile = await writeQueueConfig(suite, 'experiments', { experiments: { short: { train: { steps: 20 } }, long: { train: { steps: 40 } } } });
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [BIN, 'experiment', '--config', configFile, '--queue', suite.services.redisUrl, '--json'], { cwd: suite.work, env: process.env, timeout: 300_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /computing bottlenecks locally|switched off/, stderr);
    const { results } = JSON.parse(stdout.trim().split('\n').pop()!) as { results: Array<{ name: string; bottlenecksComputed: number; testAccuracy: number | null }> };
    assert.deepEqual(results.map((r) => [r.name, r.bottlenecksComputed]), [['short', IMAGES], ['long', 0]]);

    // The worker says what it did when it stops.
    const workerLog = await worker!.stop();
    const done = /worker stopped: (\d+) computed, (\d+) already in the remote cache/.exec(workerLog);
    assert.ok(done, workerLog);
    assert.equal(Number(done[1]), IMAGES, workerLog);

    // The coordinator's cache holds the workers' vectors (read back from the remote cache).
    const cache = RetrainCache.open(path.join(suite.work, 'cache'));
    try {
      assert.equal(cache.count('bottlenecks'), IMAGES);
    } finally {
      await cache.close();
    }
  });
});
