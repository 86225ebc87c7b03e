import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { before, describe, it } from 'node:test';
import { HAS_SHARED, HYMENOPTERA, MODEL_DIR, REPO_ROOT, tempDir } from './helpers/shared.js';
import { WatchProcess } from './helpers/watch-process.js';

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'bin/retrain.js');

/** `retrain <args> --json` in `cwd`; the last stdout line parsed. */
async function retrainJson(cwd: string, ...args: string[]) {
  const { stdout } = await run(process.execPath, [BIN, ...args, '--json'], { cwd, maxBuffer: 32 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

async function writeConfig(dir: string, steps: number, seed: number) {
  const config = { imageDir: 'images', model: MODEL_DIR, train: { steps }, seed, cacheDir: 'cache', outputDir: 'out' };
  await fs.writeFile(path.join(dir, 'retrain.config.ts'), `export default ${JSON.stringify(config)};\n`);
}

async function modelFolder(dir: string) {
  const manifest = JSON.parse(await fs.readFile(path.join(dir, 'out', 'manifest.json'), 'utf8')) as { buildFingerprint: string };
  const modelJson = JSON.parse(await fs.readFile(path.join(dir, 'out', 'model.json'), 'utf8')) as { weightsManifest: unknown[] };
  const weights = await fs.stat(path.join(dir, 'out', 'weights.bin'));
  assert.ok(modelJson.weightsManifest.length > 0 && weights.size > 1_000_000, 'a complete model');
  return manifest.buildFingerprint;
}

describe('faults: killed at any moment, nothing is lost or torn', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  let dir: string;

  before(async () => {
    dir = await tempDir('retrain-faults-');
    for (const label of ['ants', 'bees']) {
      await fs.mkdir(path.join(dir, 'images', label), { recursive: true });
      const names = (await fs.readdir(path.join(HYMENOPTERA, 'val', label))).sort().slice(0, 30);
      for (const name of names) await fs.copyFile(path.join(HYMENOPTERA, 'val', label, name), path.join(dir, 'images', label, name));
    }
    await writeConfig(dir, 200, 1);
  });

  it('SIGKILL while bottlenecks are computed: the cache verifies clean and a restart computes only the rest', async () => {
    const watch = new WatchProcess(dir, ['--workers', '1']);
    await watch.next((e) => e.type === 'bottleneck-progress' && (e.computed as number) >= 8, 0);
    await watch.stop('SIGKILL');
    const verify = await retrainJson(dir, 'cache', 'verify');
    assert.deepEqual(verify.removed, []);
    const result = await retrainJson(dir, 'build');
    assert.equal((result.bottlenecksComputed as number) + (result.bottlenecksCached as number), 60);
    assert.ok((result.bottlenecksComputed as number) < 60, 'work done before the kill was kept');
    assert.equal(result.exported, true);
  });

  it('SIGKILL during training: the last good model is intact', async () => {
    const before = await modelFolder(dir);
    await writeConfig(dir, 2_000_000, 2);
    const watch = new WatchProcess(dir);
    await watch.next((e) => e.type === 'stage' && e.stage === 'train' && e.status === 'start', 0);
    await watch.stop('SIGKILL');
    assert.equal(await modelFolder(dir), before);
    assert.deepEqual((await retrainJson(dir, 'cache', 'verify')).removed, []);
  });

  it('SIGKILL during export: the model folder is the old or the new one, never torn; the next build cleans up', async () => {
    const before = await modelFolder(dir);
    await writeConfig(dir, 200, 3);
    const watch = new WatchProcess(dir);
    await watch.next((e) => e.type === 'stage' && e.stage === 'export' && e.status === 'start', 0);
    await watch.stop('SIGKILL');
    const after = await modelFolder(dir);
    const result = await retrainJson(dir, 'build');
    assert.equal(result.bottlenecksComputed, 0);
    const final = await modelFolder(dir);
    assert.ok(after === before || after === final, 'either the previous model or the complete new one');
    assert.deepEqual((await fs.readdir(dir)).filter((n) => n.includes('.tmp-') || n.includes('.previous')), []);
  });

  it('two builds on the same cache and output at once both finish correctly', async () => {
    await writeConfig(dir, 300, 4);
    const both = await Promise.all([retrainJson(dir, 'build'), retrainJson(dir, 'build')]);
    assert.equal(both[0]!.testAccuracy, both[1]!.testAccuracy);
    assert.deepEqual(both.map((r) => r.bottlenecksComputed), [0, 0]);
    await modelFolder(dir);
    const again = await retrainJson(dir, 'build');
    assert.equal(again.trained, false);
    assert.equal(again.exported, false, 'the folder holds exactly this build');
  });

  it('a cache write that fails (file size limit, like a full disk) ends with one line and keeps the model', { skip: process.platform !== 'linux' && 'needs ulimit' }, async () => {
    const before = await modelFolder(dir);
    await writeConfig(dir, 300, 5);
    const child = spawn('bash', ['-c', `ulimit -f 64; exec "${process.execPath}" "${BIN}" build`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /^error: cannot write the cache: .+$/m);
    assert.equal(await modelFolder(dir), before);
  });
});
