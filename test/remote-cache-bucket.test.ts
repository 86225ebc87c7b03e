import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BuildResult } from '../src/pipeline/build-result.js';
import { copySubset, HAS_SHARED, MODEL_DIR, REPO_ROOT, tempDir } from './helpers/shared.js';
import { SERVICES_MISSING, useServices, type Services } from './helpers/services.js';

const BIN = path.join(REPO_ROOT, 'bin/retrain.js');
const PER_CLASS = 3;

/**
 * A remote cache whose bucket does not exist (a typo in `s3://bucket/…`) on a real S3 API store (Swift + s3api):
 * the store answers every read with 404 NoSuchBucket, which must not pass for an empty cache. It used to: reads
 * counted as misses, so a read-only build (pull requests, laptops) warned of nothing, and even
 * `--remote-cache-required` succeeded while the cache could never hit.
 */
describe('remote cache: a bucket that does not exist', { skip: (!HAS_SHARED && 'shared models/data sets not found') || SERVICES_MISSING }, () => {
  let services: Services;
  let images: string;
  let work: string;

  before(async () => {
    services = (await useServices())!;
    images = await copySubset(PER_CLASS);
    work = await tempDir('retrain-bucket-');
  });
  after(async () => {
    await services?.stop();
  });

  async function cli(name: string, extra: string[]) {
    const args = [BIN, 'build', '--json', '--image-dir', images, '--model', MODEL_DIR, '--steps', '20', '--cache-dir', path.join(work, `${name}-cache`), '--output-dir', path.join(work, `${name}-out`), '--remote-cache', 's3://no-such-bucket-here/x', ...extra];
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, args, { env: { ...process.env, ...services.env }, timeout: 240_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it('read-only: one warning naming the missing bucket, and a local build', async () => {
    const run = await cli('read-only', ['--remote-cache-read-only']);
    assert.equal(run.code, 0, run.stderr);
    const warnings = run.stderr.split('\n').filter((l) => /remote cache .* switched off/.test(l));
    assert.equal(warnings.length, 1, run.stderr);
    assert.match(warnings[0]!, /bucket "no-such-bucket-here" does not exist/);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as BuildResult;
    assert.equal(result.bottlenecksComputed, PER_CLASS * 2);
    assert.equal(result.remote?.misses, 0, 'a missing bucket is no miss');
    assert.ok(result.remote!.errors >= 3);
  });

  it('--remote-cache-required: one error line and exit code 1', async () => {
    const run = await cli('required', ['--remote-cache-read-only', '--remote-cache-required']);
    assert.equal(run.code, 1, run.stderr);
    const errors = run.stderr.split('\n').filter((l) => l.startsWith('error: '));
    assert.equal(errors.length, 1, run.stderr);
    assert.match(errors[0]!, /remote cache s3:\/\/no-such-bucket-here\/x cannot be used: the bucket "no-such-bucket-here" does not exist .*--remote-cache-required/);
  });
});
