import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { BuildEvent } from '../src/pipeline/build-events.js';
import { build } from '../src/pipeline/build.js';
import { shardBuild, type ShardResult } from '../src/pipeline/shard-build.js';
import { inShard, parseShard } from '../src/store/shard.js';
import { HAS_SHARED, MODEL_DIR, REPO_ROOT } from './helpers/shared.js';
import { SERVICES_MISSING } from './helpers/services.js';
import { remoteProject } from './helpers/remote-project.js';

const BIN = path.join(REPO_ROOT, 'bin/retrain.js');
const PER_CLASS = 6;
const IMAGES = PER_CLASS * 2;

/** `retrain` in a child process: exit code, stdout, stderr. */
function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 240_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('--shard i/N: values', () => {
  it('refuses 3/2, 0/0, a/b, abc, -1/2 and 1/2 without a remote cache, each in one line naming --shard', async () => {
    const cases: Array<[string[], RegExp, number]> = [
      [['--shard', '3/2'], /^error: --shard 3\/2: the shards of 2 are numbered 0 to 1$/, 2],
      [['--shard', '0/0'], /^error: --shard 0\/0: the number of shards N must be at least 1$/, 2],
      [['--shard', 'a/b'], /^error: --shard a\/b: not a shard; expected i\/N/, 2],
      [['--shard', 'abc'], /^error: --shard abc: not a shard; expected i\/N: shard i \(from 0\) of N, e.g. 0\/4$/, 2],
      // A trial's `--shard -1/2` said "Unknown argument: 1": yargs read -1/2 as short flags.
      [['--shard', '-1/2'], /^error: --shard -1\/2: not a shard; expected i\/N: shard i \(from 0\) of N, e.g. 0\/4$/, 2],
      [['--shard=-1/2'], /^error: --shard -1\/2: not a shard; expected i\/N: shard i \(from 0\) of N, e.g. 0\/4$/, 2],
      [['--shard', '1/2'], /^error: --shard 1\/2: a shard computes into the remote cache; set --remote-cache/, 1],
    ];
    const env = { RETRAIN_REMOTE_CACHE: '' };
    for (const [words, message, code] of cases) {
      const run = await cli(['build', '--image-dir', REPO_ROOT, ...words], env);
      assert.equal(run.code, code, `${words.join(' ')}: ${run.stderr}`);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, message);
    }
  });

  it('shares keys out disjointly and completely, by the key alone', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `model:pre:${i.toString(16).padStart(64, '0')}`);
    const shards = [0, 1, 2].map((index) => keys.filter((key) => inShard(key, { index, count: 3 })));
    assert.equal(shards.reduce((n, s) => n + s.length, 0), keys.length);
    assert.equal(new Set(shards.flat()).size, keys.length);
    for (const share of shards) assert.ok(share.length > 250 && share.length < 420, `uneven share: ${share.length}`);
    assert.deepEqual(parseShard(' 1 / 3 ', 'shard'), { index: 1, count: 3 });
  });
});

/** Shards on real photos into a real S3 API store (Swift + s3api), then builds that use their work. */
describe('--shard and shared heads (real S3 API store)', { skip: (!HAS_SHARED && 'shared models/data sets not found') || SERVICES_MISSING }, () => {
  const project = remoteProject({ perClass: PER_CLASS, seed: 4, prefix: 'sharded', workPrefix: 'retrain-shard-' });
  const weights = (name: string) => fs.readFile(path.join(project.work, `${name}-out/weights.bin`));

  it('shards 0/2 and 1/2 from two cache folders cover everything; a build from an empty cache computes nothing and trains the local head', async () => {
    const local = await build(project.config('local', { remoteCache: undefined }));
    assert.equal(local.bottlenecksComputed, IMAGES);

    const first = await shardBuild(project.config('s0', { shard: '0/2' }));
    // The second shard through the command line, as a CI job runs it.
    const run = await cli(['build', '--json', '--image-dir', project.images, '--model', MODEL_DIR, '--cache-dir', path.join(project.work, 's1-cache'), '--output-dir', path.join(project.work, 's1-out'), '--remote-cache', `s3://${project.services.bucket}/sharded`, '--shard', '1/2']);
    assert.equal(run.code, 0, run.stderr);
    const second = JSON.parse(run.stdout.trim().split('\n').pop()!) as ShardResult;
    assert.match(run.stderr, /shard 1\/2: \d+ of 12 bottlenecks \(\d+ computed/);
    for (const shard of [first, second]) {
      assert.equal(shard.total, IMAGES);
      assert.equal(shard.present, 0);
      assert.equal(shard.uploads, shard.computed);
      assert.deepEqual(shard.skipped, []);
    }
    assert.equal(first.share + second.share, IMAGES);
    assert.equal(first.computed + second.computed, IMAGES);
    assert.ok(first.computed > 0 && second.computed > 0, `${first.computed} + ${second.computed}`);
    await assert.rejects(fs.access(path.join(project.work, 's0-out')), 'a shard trains and exports nothing');

    const events: BuildEvent[] = [];
    const full = await build(project.config('full'), { onEvent: (e) => events.push(e) });
    assert.equal(full.bottlenecksComputed, 0, 'every vector came from the shards');
    assert.equal(full.remote?.hits, IMAGES);
    assert.ok(full.trained);
    assert.deepEqual(await weights('full'), await weights('local'), 'the head trained on shard vectors is the local head, bit for bit');

    // Shard 0 again: everything is in the remote (and in its own cache): nothing computed, nothing uploaded.
    const again = await shardBuild(project.config('s0', { shard: '0/2' }));
    assert.deepEqual([again.computed, again.uploads, again.local], [0, 0, first.share]);
  });

  it('a second cache folder sharing the remote skips training: the head is fetched and verified', async () => {
    const events: BuildEvent[] = [];
    const other = await build(project.config('other'), { onEvent: (e) => events.push(e) });
    assert.equal(other.bottlenecksComputed, 0);
    assert.equal(other.trained, false, 'the head came from the remote cache');
    assert.equal(other.remote?.heads.hits, 1);
    assert.equal(other.remote?.graphs.hits, 1, 'the converted ONNX graph came from the remote, not converted here');
    assert.ok(events.some((e) => e.type === 'stage' && e.stage === 'train' && e.status === 'up-to-date' && /remote cache/.test(e.detail ?? '')));
    assert.deepEqual(await weights('other'), await weights('local'));
    assert.equal(other.testAccuracy, (await build(project.config('local', { remoteCache: undefined }))).testAccuracy);

    // Another training setting is another head: trained here, and uploaded for the next machine.
    const changed = await build(project.config('steps', { train: { steps: 40 } }));
    assert.ok(changed.trained);
    assert.deepEqual([changed.remote?.heads.misses, changed.remote?.heads.uploads], [1, 1]);
    const fetched = await build(project.config('steps2', { train: { steps: 40 } }));
    assert.equal(fetched.trained, false);
    assert.deepEqual(await weights('steps2'), await weights('steps'));
  });
});
