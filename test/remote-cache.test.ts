import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { freePorts } from '../bench/services.js';
import { RetrainCache } from '../src/store/retrain-cache.js';
import type { BuildEvent } from '../src/pipeline/build-events.js';
import type { BuildResult } from '../src/pipeline/build-result.js';
import { build } from '../src/pipeline/build.js';
import { remoteObjectName as objectName } from '../src/store/keys.js';
import { HAS_SHARED, MODEL_DIR, REPO_ROOT } from './helpers/shared.js';
import { SERVICES_MISSING } from './helpers/services.js';
import { remoteProject } from './helpers/remote-project.js';

const BIN = path.join(REPO_ROOT, 'bin/retrain.js');
const PER_CLASS = 6;
const IMAGES = PER_CLASS * 2;

/** Builds on real photos against a real S3 API store (OpenStack Swift + s3api) started for this file. */
describe('remote cache (real S3 API store)', { skip: (!HAS_SHARED && 'shared models/data sets not found') || SERVICES_MISSING }, () => {
  const project = remoteProject({ perClass: PER_CLASS, seed: 3, prefix: 'shared', workPrefix: 'retrain-remote-' });
  let s3: S3Client;

  before(() => {
    s3 = new S3Client({ endpoint: project.services.s3Endpoint, region: 'us-east-1', forcePathStyle: true });
  });

  after(() => s3?.destroy());

  const warningsOf = (events: BuildEvent[]) => events.flatMap((e) => (e.type === 'warning' && e.message.startsWith('remote cache') ? [e.message] : []));

  it('a second cache folder on the same remote computes nothing and trains a bit-identical head', async () => {
    const first = await build(project.config('a'));
    assert.equal(first.bottlenecksComputed, IMAGES);
    assert.deepEqual(first.remote, { url: `s3://${project.services.bucket}/shared`, hits: 0, misses: IMAGES, uploads: IMAGES, errors: 0, damaged: 0, heads: { hits: 0, misses: 1, uploads: 1 }, graphs: { hits: 0, misses: 1, uploads: 1 } });

    const second = await build(project.config('b'));
    assert.equal(second.bottlenecksComputed, 0, 'every vector comes from the remote');
    assert.equal(second.remote?.hits, IMAGES);
    assert.equal(second.remote?.uploads, 0);
    assert.equal(second.trained, false, 'the head came from the remote too');
    assert.equal(second.remote?.heads.hits, 1);
    assert.equal(second.remote?.graphs.hits, 1, 'the converted ONNX graph came from the remote');
    assert.deepEqual(await fs.readFile(path.join(project.work, 'b-out/weights.bin')), await fs.readFile(path.join(project.work, 'a-out/weights.bin')));

    // The remote hits were stored locally: a rebuild of b asks the remote nothing.
    const again = await build(project.config('b'));
    assert.deepEqual([again.remote?.hits, again.remote?.misses, again.bottlenecksComputed], [0, 0, 0]);
  });

  it('a damaged remote object is detected (one warning), recomputed and replaced', async () => {
    const cache = RetrainCache.open(path.join(project.work, 'a-cache'));
    const [key] = [...cache.entries('bottlenecks')][0]!;
    await cache.close();
    const name = objectName('shared', 'bottlenecks', key);
    const stored = await (await s3.send(new GetObjectCommand({ Bucket: project.services.bucket, Key: name }))).Body!.transformToByteArray();
    const rotten = Buffer.from(stored);
    rotten[rotten.length - 3]! ^= 0x40; // one flipped bit in the payload
    await s3.send(new PutObjectCommand({ Bucket: project.services.bucket, Key: name, Body: rotten }));

    const events: BuildEvent[] = [];
    const result = await build(project.config('c'), { onEvent: (e) => events.push(e) });
    assert.equal(result.bottlenecksComputed, 1);
    assert.equal(result.remote?.damaged, 1);
    assert.equal(result.remote?.hits, IMAGES - 1);
    const warnings = warningsOf(events);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /damaged \(its content does not match its digest\)/);
    assert.deepEqual(await fs.readFile(path.join(project.work, 'c-out/weights.bin')), await fs.readFile(path.join(project.work, 'a-out/weights.bin')));

    const repaired = await build(project.config('d'));
    assert.deepEqual([repaired.bottlenecksComputed, repaired.remote?.hits, repaired.remote?.damaged], [0, IMAGES, 0]);
  });

  it('read-only: reads, never writes', async () => {
    const readOnly = await build(project.config('e', { remoteCache: `s3://${project.services.bucket}/read-only`, remoteCacheReadOnly: true }));
    assert.equal(readOnly.bottlenecksComputed, IMAGES);
    assert.equal(readOnly.remote?.uploads, 0);
    const next = await build(project.config('f', { remoteCache: `s3://${project.services.bucket}/read-only` }));
    assert.equal(next.remote?.hits, 0, 'nothing was written by the read-only build');
    assert.equal(next.bottlenecksComputed, IMAGES);
  });

  /** `retrain build --json` in a child process with a fresh cache; its result, warnings and exit code. */
  async function cli(name: string, env: Record<string, string>, extra: string[] = []) {
    const args = [BIN, 'build', '--json', '--image-dir', project.images, '--model', MODEL_DIR, '--steps', '30', '--cache-dir', path.join(project.work, `${name}-cache`), '--output-dir', path.join(project.work, `${name}-out`), ...extra];
    const started = Date.now();
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, args, { env: { ...process.env, ...env }, timeout: 240_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    const seconds = (Date.now() - started) / 1000;
    const last = stdout.trim().split('\n').pop() ?? '';
    const result = code === 0 ? (JSON.parse(last) as BuildResult) : undefined;
    const output = stdout + stderr;
    const switchedOff = output.split('\n').filter((l) => /remote cache .* switched off/.test(l));
    return { code, result, stderr, switchedOff, seconds };
  }

  it('a remote on a closed port: one warning, a local build', async () => {
    const [port] = await freePorts(1);
    const run = await cli('closed', { RETRAIN_REMOTE_CACHE: `s3://${project.services.bucket}/x`, AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.switchedOff.length, 1, run.stderr);
    assert.match(run.switchedOff[0]!, /ECONNREFUSED/);
    assert.equal(run.result!.bottlenecksComputed, IMAGES);
    assert.ok(run.result!.remote!.errors >= 3);
    console.log(`closed port: build finished locally in ${run.seconds.toFixed(1)} s`);
  });

  it('a stopped (SIGSTOP) store: one warning, a local build, no hang', async () => {
    process.kill(project.services.pids.proxy, 'SIGSTOP');
    try {
      const run = await cli('stopped', { RETRAIN_REMOTE_CACHE: `s3://${project.services.bucket}/shared` });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.switchedOff.length, 1, run.stderr);
      assert.match(run.switchedOff[0]!, /no answer within|timed? ?out|abort/i);
      assert.equal(run.result!.bottlenecksComputed, IMAGES);
      console.log(`stopped store: build finished locally in ${run.seconds.toFixed(1)} s`);
    } finally {
      process.kill(project.services.pids.proxy, 'SIGCONT');
    }
  });

  it('--remote-cache-required fails with one line instead', async () => {
    const [port] = await freePorts(1);
    const run = await cli('required', { RETRAIN_REMOTE_CACHE: `s3://${project.services.bucket}/x`, AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` }, ['--remote-cache-required']);
    assert.equal(run.code, 1);
    const errors = run.stderr.split('\n').filter((l) => l.startsWith('error: '));
    assert.equal(errors.length, 1, run.stderr);
    assert.match(errors[0]!, /remote cache s3:\/\/retrain\/x cannot be used: .*ECONNREFUSED.*--remote-cache-required/);
  });
});
