import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BuildResult } from '../src/pipeline/build-result.js';
import { copySubset, HAS_SHARED, MODEL_DIR, REPO_ROOT, tempDir } from './helpers/shared.js';
import { SERVICES_MISSING, useServices, type Services } from './helpers/services.js';
import { startWorker, type WorkerProcess } from './helpers/worker-process.js';

const BIN = path.join(REPO_ROOT, 'bin/retrain.js');
const PER_CLASS = 3;

/**
 * A `retrain worker` that cannot use the remote cache (wrong keys on that machine) fails every job after its
 * retries. That is the worker's fault, not the images': the coordinator used to report every image as skipped
 * (one line each) and stop with "no training images". It computes them itself, with one warning.
 */
describe('queue: a worker that fails for its own reasons', { skip: (!HAS_SHARED && 'shared models/data sets not found') || SERVICES_MISSING }, () => {
  let services: Services;
  let images: string;
  let work: string;
  let worker: WorkerProcess | undefined;

  before(async () => {
    services = (await useServices())!;
    images = await copySubset(PER_CLASS);
    work = await tempDir('retrain-queue-fail-');
  });
  after(async () => {
    await worker?.stop();
    await services?.stop();
  });

  async function buildWithQueue(name: string, imageDir: string) {
    const args = [BIN, 'build', '--json', '--image-dir', imageDir, '--model', MODEL_DIR, '--steps', '20', '--cache-dir', path.join(work, `${name}-cache`), '--output-dir', path.join(work, `${name}-out`), '--queue', services.redisUrl, '--remote-cache', `s3://${services.bucket}/${name}`];
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, args, { env: { ...process.env, ...services.env }, timeout: 300_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it('the coordinator computes the vectors itself, with one warning; no image is skipped', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, services.env, { AWS_SECRET_ACCESS_KEY: 'not-the-key' });
    try {
      worker = await startWorker(services.redisUrl, path.join(work, 'worker-cache'));
    } finally {
      process.env = saved;
    }
    const run = await buildWithQueue('q', images);
    assert.equal(run.code, 0, run.stderr);
    assert.match(worker.log(), /failed: .*SignatureDoesNotMatch/, 'the worker did fail the jobs');
    assert.deepEqual(run.stderr.split('\n').filter((l) => l.startsWith('skipped')), []);
    const warnings = run.stderr.split('\n').filter((l) => l.startsWith('warning: queue'));
    assert.equal(warnings.length, 1, run.stderr);
    assert.match(warnings[0]!, /a worker could not compute .*SignatureDoesNotMatch.*computing the vectors workers fail on here/);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as BuildResult;
    assert.equal(result.bottlenecksComputed, PER_CLASS * 2);
    assert.equal(result.remote?.uploads, PER_CLASS * 2, 'the coordinator uploads what it computed');
    assert.equal(result.exported, true);
  });

  it('a healthy worker: an image it cannot decode is skipped with its reason, the rest computed by the worker', async () => {
    await worker?.stop();
    const saved = { ...process.env };
    Object.assign(process.env, services.env);
    try {
      worker = await startWorker(services.redisUrl, path.join(work, 'worker-cache'));
    } finally {
      process.env = saved;
    }
    const withBad = await copySubset(PER_CLASS);
    const bad = path.join(withBad, (await fs.readdir(withBad))[0]!, 'not-an-image.jpg');
    await fs.writeFile(bad, 'hello');
    const run = await buildWithQueue('bad', withBad);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stderr.split('\n').filter((l) => l.startsWith('skipped')), [`skipped ${bad}: not an image (unsupported or unrecognised format)`]);
    assert.deepEqual(run.stderr.split('\n').filter((l) => l.startsWith('warning: queue')), []);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as BuildResult;
    assert.equal(result.bottlenecksComputed, PER_CLASS * 2);
  });
});
