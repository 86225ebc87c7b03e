import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RetrainCache } from '../src/store/retrain-cache.js';
import { copySubset, HAS_SHARED, MODEL_DIR, REPO_ROOT, tempDir } from './helpers/shared.js';
import { startWorker, type WorkerProcess } from './helpers/worker-process.js';
import { SERVICES_MISSING, useServices, type Services } from './helpers/services.js';

const BIN = path.join(REPO_ROOT, 'bin/retrain.js');
const PER_CLASS = 5;
const IMAGES = PER_CLASS * 2;

/** `retrain experiment --queue`: the bottlenecks come from a real `retrain worker` (real Redis, real Swift). */
describe('experiment --queue (real Redis + S3 API store + retrain worker)', { skip: (!HAS_SHARED && 'shared models/data sets not found') || SERVICES_MISSING }, () => {
  let services: Services;
  let images: string;
  let work: string;
  let worker: WorkerProcess | undefined;
  const saved = { ...process.env };

  before(async () => {
    services = (await useServices())!;
    Object.assign(process.env, services.env);
    images = await copySubset(PER_CLASS);
    work = await tempDir('retrain-queue-cmd-');
  });

  after(async () => {
    await worker?.stop();
    process.env = saved;
    await services?.stop();
  });

  it('two experiments: the worker computes every vector once, the coordinator none, and both train', async () => {
    worker = await startWorker(services.redisUrl, path.join(work, 'worker-models'));
    const configFile = path.join(work, 'retrain.config.mjs');
    await fs.writeFile(
      configFile,
      `export default ${JSON.stringify({
        imageDir: images,
        model: MODEL_DIR,
        seed: 2,
        workers: 1,
        cacheDir: path.join(work, 'cache'),
        outputDir: path.join(work, 'out'),
        remoteCache: `s3://${services.bucket}/experiments`,
        experiments: { short: { train: { steps: 20 } }, long: { train: { steps: 40 } } },
      })};\n`,
    );
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [BIN, 'experiment', '--config', configFile, '--queue', services.redisUrl, '--json'], { cwd: work, env: process.env, timeout: 300_000 }, (error, stdout, stderr) =>
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
    const cache = RetrainCache.open(path.join(work, 'cache'));
    try {
      assert.equal(cache.count('bottlenecks'), IMAGES);
    } finally {
      await cache.close();
    }
  });
});
