import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { copySubset, HAS_SHARED, HYMENOPTERA, MODEL_DIR, REPO_ROOT, tempDir } from './helpers/shared.js';
import { WatchProcess } from './helpers/watch-process.js';

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'bin/retrain.js');
const retrain = (args: string[], cwd: string) => run(process.execPath, [BIN, ...args], { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: '1' } });

interface StageStatus {
  stage: string;
  upToDate: boolean;
  reasons: string[];
}

/** Watch mode's "what changed" comes from the same explanation as `retrain status`, data and lines. */
describe('retrain watch explains what changed as retrain status does', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  it('the stale stages and reasons before a watch build are the ones `retrain status` gives, and its lines are status\'s lines', async () => {
    const dir = await tempDir('retrain-watch-explain-');
    const images = await copySubset(4, 'train', path.join(dir, 'images'));
    const writeConfig = (learningRate: number) =>
      fs.writeFile(
        path.join(dir, 'retrain.config.ts'),
        `export default ${JSON.stringify({ imageDir: 'images', model: MODEL_DIR, train: { steps: 20, learningRate }, workers: 1, cacheDir: 'cache', outputDir: 'out' })};\n`,
      );
    await writeConfig(0.01);
    await retrain(['build'], dir);

    // Changed while nothing watched: a setting and a new image.
    await writeConfig(0.1);
    const extra = (await fs.readdir(path.join(HYMENOPTERA, 'val', 'bees'))).sort()[0]!;
    await fs.copyFile(path.join(HYMENOPTERA, 'val', 'bees', extra), path.join(images, 'bees', extra));
    const status = JSON.parse((await retrain(['status', '--json'], dir)).stdout) as { stages: StageStatus[] };
    const expected = status.stages.filter((s) => !s.upToDate);
    assert.ok(expected.some((s) => s.stage === 'train' && s.reasons.includes('train.learningRate 0.01 → 0.1')), JSON.stringify(expected));
    assert.deepEqual(expected.find((s) => s.stage === 'bottleneck')?.reasons, ['1 new image']);

    const json = new WatchProcess(dir, ['--quiet-ms', '300']);
    try {
      const { index } = await json.nextBuild(0, 120_000);
      const stale = json.events.slice(0, index).filter((e) => e.type === 'stale');
      assert.equal(stale.length, 1, 'one explanation before the build');
      assert.deepEqual((stale[0] as unknown as { stages: StageStatus[] }).stages, expected);
    } finally {
      await json.stop();
    }

    // The human lines: `what changed: ` + exactly the stale lines `retrain status` prints.
    await writeConfig(0.2);
    const statusLines = (await retrain(['status'], dir)).stdout.split('\n').filter((line) => line.includes(': stale: '));
    assert.deepEqual(statusLines, ['train: stale: train.learningRate 0.1 → 0.2', 'evaluate: stale: train is stale', 'export: stale: evaluate is stale']);
    const child = spawn(process.execPath, [BIN, 'watch', '--quiet-ms', '300'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
    let output = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no build within 120 s; output: ${output}`)), 120_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (/model (exported to|up to date in)/.test(output)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', () => reject(new Error(`watch exited; output: ${output}`)));
      });
    } finally {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    const watchLines = output.split('\n').filter((line) => line.startsWith('what changed: '));
    assert.deepEqual(watchLines, statusLines.map((line) => `what changed: ${line}`));
  });
});
