import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { HAS_SHARED, MODEL_DIR, REPO_ROOT, copySubset, tempDir } from './helpers/shared.js';

const run = promisify(execFile);

/** A 127.0.0.1 port nothing listens on: bound by the system, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A real `retrain` process, killed after 2 minutes (a hang fails the test instead of stalling the suite). */
async function retrain(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), ...args], { cwd, env: { ...process.env, CI: '1', ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string; killed?: boolean };
    assert.ok(!e.killed, `retrain ${args.join(' ')} hung:\n${e.stderr}`);
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('retrain build --queue when Redis is down (issue 12)', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  it('says so in one line and builds locally, never a silent hang', async () => {
    const dir = await tempDir();
    const images = await copySubset(4, 'train', path.join(dir, 'images'));
    const [redis, s3] = [await closedPort(), await closedPort()];
    // The remote cache a queue needs is down too: it is switched off with its own one warning.
    const env = { AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${s3}`, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };
    const queue = `redis://127.0.0.1:${redis}`;
    const { code, stdout, stderr } = await retrain(
      ['build', '--image-dir', images, '--model', MODEL_DIR, '--steps', '5', '--workers', '1', '--queue', queue, '--remote-cache', 's3://retrain/x', '--json'],
      dir,
      env,
    );
    assert.equal(code, 0, stderr);
    const redisLines = `${stdout}\n${stderr}`.split('\n').filter((l) => l.includes(queue));
    assert.equal(redisLines.length, 1, redisLines.join('\n'));
    assert.match(redisLines[0]!, new RegExp(`queue ${queue}: Redis unreachable within 3 s \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${redis}\\); computing bottlenecks locally`));
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { bottlenecks: { computed: number }; exported: boolean };
    assert.equal(result.exported, true);
    assert.ok((await fs.stat(path.join(dir, 'retrain-output/model.onnx'))).size > 0);
  });

  it('--queue without a remote cache is one line before any work, saying what to do', async () => {
    const dir = await tempDir();
    const images = await copySubset(2, 'train', path.join(dir, 'images'));
    const { code, stdout, stderr } = await retrain(['build', '--image-dir', images, '--model', MODEL_DIR, '--queue', `redis://127.0.0.1:${await closedPort()}`], dir);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^error: --queue redis:\/\/127\.0\.0\.1:\d+: workers hand vectors back through the remote cache; set --remote-cache s3:\/\/bucket\/prefix too \(or leave --queue out to compute them here\)\n$/);
    assert.deepEqual((await fs.readdir(dir)).sort(), ['images']);
  });

  it('retrain worker with Redis down: one line naming --queue and the URL, exit 1', async () => {
    const dir = await tempDir();
    const redis = await closedPort();
    const { code, stdout, stderr } = await retrain(['worker', '--queue', `redis://127.0.0.1:${redis}`, '--workers', '1'], dir);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, new RegExp(`^error: --queue redis://127\\.0\\.0\\.1:${redis}: Redis unreachable within 10 s \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${redis}\\)\n$`));
  });
});
