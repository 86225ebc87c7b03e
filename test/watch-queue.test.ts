import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { HYMENOPTERA } from './helpers/shared.js';
import { startWorker, type WorkerProcess } from './helpers/worker-process.js';
import { QUEUE_SKIP, useQueueSuite, writeQueueConfig } from './helpers/queue-suite.js';
import { WatchProcess } from './helpers/watch-process.js';

const PER_CLASS = 4;
const IMAGES = PER_CLASS * 2;

/** `retrain watch --queue`: every vector, at start and for a photo added later, comes from a real `retrain worker`. */
describe('watch --queue (real Redis + S3 API store + retrain worker)', { skip: QUEUE_SKIP }, () => {
  let worker: WorkerProcess | undefined;
  let watch: WatchProcess | undefined;
  const suite = useQueueSuite(PER_CLASS, 'retrain-watch-queue-', async () => {
    if (watch && watch.child.exitCode === null) await watch.stop('SIGKILL');
    await worker?.stop();
  });

  it('starts, builds from the worker\'s vectors, and rebuilds when a photo is added (one vector, computed by the worker)', async () => {
    worker = await startWorker(suite.services.redisUrl, path.join(suite.work, 'worker-models'));
    const configFile = await writeQueueConfig(suite, 'watch', { train: { steps: 20 } });
    watch = new WatchProcess(suite.work, ['--config', configFile, '--queue', suite.services.redisUrl, '--quiet-ms', '300']);
    const first = await watch.nextBuild(0, 180_000);
    assert.equal(first.event.bottlenecksComputed, IMAGES, JSON.stringify(first.event));
    assert.equal(first.event.trained, true);

    const [photo] = (await fs.readdir(path.join(HYMENOPTERA, 'val', 'ants'))).sort();
    await fs.copyFile(path.join(HYMENOPTERA, 'val', 'ants', photo!), path.join(suite.images, 'ants', 'added-while-watching.jpg'));
    const second = await watch.nextBuild(first.index + 1, 180_000);
    assert.equal(second.event.bottlenecksComputed, 1, JSON.stringify(second.event));
    assert.equal(second.event.trained, true);
    await watch.stop('SIGINT');
    const warnings = watch.events.filter((e) => e.type === 'warning').map((e) => String(e.message));
    assert.ok(!warnings.some((w) => /locally|switched off/.test(w)), warnings.join('\n'));

    // Every vector was computed by the worker, none by the watching process.
    const workerLog = await worker!.stop();
    const done = /worker stopped: (\d+) computed, (\d+) already in the remote cache/.exec(workerLog);
    assert.ok(done, workerLog);
    assert.equal(Number(done[1]), IMAGES + 1, workerLog);
  });
});
