import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { HAS_SHARED, HYMENOPTERA, REPO_ROOT, tempDir } from './helpers/shared.js';

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'bin/retrain.js');

function retrain(args: string[], cwd = REPO_ROOT) {
  return run(process.execPath, [BIN, ...args], { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: '1' } });
}

function lastJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

describe('retrain command line', () => {
  it('--help explains the commands and build --help lists the original flag names', async () => {
    const { stdout } = await retrain(['--help']);
    assert.match(stdout, /retrain build/);
    assert.match(stdout, /retrain predict/);
    const { stdout: buildHelp } = await retrain(['build', '--help']);
    for (const flag of ['--image_dir', '--how_many_training_steps', '--learning_rate', '--bottleneck_dir', '--output_graph', '--tfhub_module']) {
      assert.ok(buildHelp.includes(flag), flag);
    }
  });

  it('a bad config value is one clear line and exit code 1', async () => {
    const error = await retrain(['build', '--image_dir', '/nonexistent', '--learning_rate', '-1']).catch((e: { code: number; stderr: string }) => e);
    assert.equal((error as { code: number }).code, 1);
    assert.match((error as { stderr: string }).stderr, /^error: .*retrain.config.ts: invalid config: train\.learningRate: .*\n$/);
  });

  it(
    'builds the example config to at least 90% test accuracy, rebuilds with no work, predicts val/ photos',
    { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' },
    async () => {
      const work = await tempDir();
      const dirs = ['--cache-dir', path.join(work, 'cache'), '--output-dir', path.join(work, 'model')];
      const first = lastJson((await retrain(['build', '--json', ...dirs])).stdout);
      assert.ok((first.testAccuracy as number) >= 0.9, `test accuracy ${first.testAccuracy}`);
      assert.ok((first.testCount as number) >= 15);
      assert.equal(first.bottlenecksComputed, 245);
      assert.ok(['onnxruntime', 'wasm', 'tensorflow'].includes(first.backend as string));

      const second = lastJson((await retrain(['build', '--json', ...dirs])).stdout);
      assert.equal(second.bottlenecksComputed, 0);
      assert.equal(second.trained, false);
      assert.equal(second.testAccuracy, first.testAccuracy);

      const photos: Array<[string, string]> = [];
      for (const label of ['ants', 'bees']) {
        const names = (await fs.readdir(path.join(HYMENOPTERA, 'val', label))).sort().slice(0, 5);
        for (const name of names) photos.push([label, path.join(HYMENOPTERA, 'val', label, name)]);
      }
      const { stdout } = await retrain(['predict', '--json', '--model', path.join(work, 'model'), ...photos.map(([, p]) => p)]);
      const answers = stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; predictions: Array<{ label: string }> });
      const right = answers.filter((a, i) => a.predictions[0]!.label === photos[i]![0]).length;
      assert.ok(right >= 9, `${right}/10 val photos right`);

      const { stdout: evalOut } = await retrain(['eval', '--json', '--model', path.join(work, 'model'), '--image_dir', path.join(HYMENOPTERA, 'val')]);
      const evaluation = JSON.parse(evalOut) as { accuracy: number; count: number; confusion: number[][]; classes: Array<{ label: string; support: number }> };
      assert.equal(evaluation.count, 153);
      assert.equal(evaluation.confusion.flat().reduce((a, b) => a + b, 0), 153);
      assert.deepEqual(evaluation.classes.map((c) => [c.label, c.support]), [['ants', 70], ['bees', 83]]);
      assert.ok(evaluation.accuracy >= 0.85, `val/ accuracy ${evaluation.accuracy}`);
      const { stdout: evalText } = await retrain(['eval', '--model', path.join(work, 'model'), '--image_dir', path.join(HYMENOPTERA, 'val')]);
      assert.match(evalText, /^Accuracy = \d+\.\d% \(N=153\)\n/);
      assert.match(evalText, /true \\ predicted/);

      const text = await retrain(['predict', '--model', path.join(work, 'model'), photos[0]![1]]);
      assert.match(text.stdout, /^.*\n {2}ants \(score = 0\.\d{5}\)\n {2}bees \(score = 0\.\d{5}\)\n$/);
      const bad = path.join(work, 'bad.jpg');
      await fs.writeFile(bad, 'not an image');
      const failed = await retrain(['predict', '--model', path.join(work, 'model'), bad]).catch((e: { code: number; stderr: string }) => e);
      assert.equal((failed as { code: number }).code, 1);
      assert.match((failed as { stderr: string }).stderr, /bad\.jpg: not an image/);
    },
  );
});
