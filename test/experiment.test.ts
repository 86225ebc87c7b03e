import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { expandExperiments, selectExperiments } from '../src/app/expand-experiments.js';
import { copySubset, HAS_SHARED, MODEL_DIR, REPO_ROOT, tempDir } from './helpers/shared.js';

const run = promisify(execFile);

describe('experiments', () => {
  it('expands a grid into every combination, after the named ones', () => {
    const all = expandExperiments({
      experiments: { quick: { train: { steps: 10 } } },
      experimentGrid: { 'train.learningRate': [0.01, 0.1], 'distortions.flipLeftRight': [false, true] },
    });
    assert.deepEqual(all.map((e) => e.name), [
      'quick',
      'train.learningRate=0.01,distortions.flipLeftRight=false',
      'train.learningRate=0.01,distortions.flipLeftRight=true',
      'train.learningRate=0.1,distortions.flipLeftRight=false',
      'train.learningRate=0.1,distortions.flipLeftRight=true',
    ]);
    assert.deepEqual(all[4]!.overrides, { train: { learningRate: 0.1 }, distortions: { flipLeftRight: true } });
    assert.throws(() => selectExperiments(all, ['nope']), /unknown experiment nope; the config has: quick, /);
  });

  it('an experiment folder holding user files is refused naming the experiment, not --output-dir', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, async () => {
    const dir = await tempDir('retrain-experiment-guard-');
    await copySubset(2, 'train', path.join(dir, 'images'));
    const config = { imageDir: 'images', model: MODEL_DIR, train: { steps: 5 }, cacheDir: 'cache', outputDir: 'expout', experiments: { a: { train: { steps: 6 } } } };
    await fs.writeFile(path.join(dir, 'retrain.config.ts'), `export default ${JSON.stringify(config)};\n`);
    await fs.mkdir(path.join(dir, 'expout-experiments', 'a'), { recursive: true });
    await fs.writeFile(path.join(dir, 'expout-experiments', 'a', 'notes.txt'), 'mine');
    const outcome = await run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), 'experiment'], { cwd: dir }).then(
      () => assert.fail('should be refused'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(outcome.code, 1);
    assert.equal(outcome.stderr.trim().split('\n').length, 1, outcome.stderr);
    assert.match(outcome.stderr, /^error: folder of experiment "a" .*expout-experiments\/a holds files retrain did not write \("notes\.txt"\)/);
    assert.equal(await fs.readFile(path.join(dir, 'expout-experiments', 'a', 'notes.txt'), 'utf8'), 'mine');
  });

  it('a grid of 4 on real photos computes each bottleneck and variant once, then nothing', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, async () => {
    const dir = await tempDir('retrain-experiment-');
    await copySubset(8, 'train', path.join(dir, 'images'));
    const config = {
      imageDir: 'images',
      model: MODEL_DIR,
      train: { steps: 100 },
      distortions: { randomCrop: 10, randomBrightness: 10, variants: 2 },
      cacheDir: 'cache',
      outputDir: 'out',
      experimentGrid: { 'train.learningRate': [0.01, 0.1], 'distortions.flipLeftRight': [false, true] },
    };
    await fs.writeFile(path.join(dir, 'retrain.config.ts'), `export default ${JSON.stringify(config)};\n`);
    const experiment = async (...args: string[]) => {
      const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), 'experiment', '--json', ...args], { cwd: dir });
      return JSON.parse(stdout.trim().split('\n').at(-1)!) as {
        best: string;
        results: Array<{ name: string; bottlenecksComputed: number; variantsComputed: number; validationAccuracy: number | null; trainSeconds: number }>;
      };
    };
    const first = await experiment('--export-best');
    assert.equal(first.results.length, 4);
    assert.equal(first.results.reduce((n, r) => n + r.bottlenecksComputed, 0), 16, 'each image once, for all four');
    const [noFlip, flip] = [first.results[0]!, first.results[1]!];
    assert.ok(noFlip.variantsComputed > 0 && flip.variantsComputed > 0, 'flipping is another distortion: its own variants');
    assert.equal(first.results[2]!.variantsComputed + first.results[3]!.variantsComputed, 0, 'the other learning rate reuses them');
    assert.ok(first.results.every((r) => r.trainSeconds > 0));

    const second = await experiment();
    assert.ok(second.results.every((r) => r.bottlenecksComputed === 0 && r.variantsComputed === 0 && r.trainSeconds === 0));
    const markdown = await fs.readFile(path.join(dir, 'out-experiments', 'experiments.md'), 'utf8');
    assert.match(markdown, /\| experiment \| validation accuracy \| test accuracy \| training \(s\) \| bottlenecks computed \| variants computed \|/);
    assert.match(markdown, new RegExp(`\\*\\*${first.best.replace(/[.]/g, '\\.')}\\*\\*`));
    const exported = JSON.parse(await fs.readFile(path.join(dir, 'out', 'manifest.json'), 'utf8')) as { labels: string[] };
    assert.deepEqual(exported.labels, ['ants', 'bees'], '--export-best put the best model in outputDir');
  });
});
