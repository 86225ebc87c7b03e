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

  it('two experiments of one name (a named one spelt like a grid combination, a grid value twice) are refused up front, exit 2, nothing built', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, async () => {
    // Found in a trial: both ran into one folder and the table had two rows of one name, one describing a model that was not there.
    assert.throws(() => expandExperiments({ experimentGrid: { 'train.steps': [5, 5] } }), /"train\.steps=5" declared twice/);
    const dir = await tempDir('retrain-experiment-twice-');
    await copySubset(2, 'train', path.join(dir, 'images'));
    const config = { imageDir: 'images', model: MODEL_DIR, train: { steps: 5 }, cacheDir: 'cache', outputDir: 'out', experiments: { 'train.steps=6': { train: { steps: 50 } } }, experimentGrid: { 'train.steps': [6, 7] } };
    await fs.writeFile(path.join(dir, 'retrain.config.ts'), `export default ${JSON.stringify(config)};\n`);
    const outcome = await run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), 'experiment'], { cwd: dir }).then(
      () => assert.fail('should be refused'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(outcome.code, 2, outcome.stderr);
    assert.equal(outcome.stderr.trim().split('\n').length, 1, outcome.stderr);
    assert.match(outcome.stderr, /^error: .*retrain\.config\.ts: experiment "train\.steps=6" declared twice/);
    assert.deepEqual((await fs.readdir(dir)).sort(), ['images', 'retrain.config.ts']);
  });

  it('a grid value the config check refuses names its experiment once', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, async () => {
    // Found in a trial: `error: experiment "train.learningrate=0.1": experiment "train.learningrate=0.1": invalid config: …`.
    const dir = await tempDir('retrain-experiment-grid-typo-');
    await copySubset(2, 'train', path.join(dir, 'images'));
    const config = { imageDir: 'images', model: MODEL_DIR, train: { steps: 5 }, cacheDir: 'cache', outputDir: 'out', experimentGrid: { 'train.learningrate': [0.1] } };
    await fs.writeFile(path.join(dir, 'retrain.config.ts'), `export default ${JSON.stringify(config)};\n`);
    const outcome = await run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), 'experiment'], { cwd: dir }).then(
      () => assert.fail('should be refused'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(outcome.code, 2, outcome.stderr);
    assert.equal(outcome.stderr, 'error: experiment "train.learningrate=0.1": invalid config: train.learningrate: unknown key (did you mean train.learningRate?)\n');
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
    assert.match(markdown, /\| experiment \| result \| validation accuracy \| test accuracy \| training \(s\) \| bottlenecks computed \| variants computed \|/);
    assert.match(markdown, new RegExp(`\\*\\*${first.best.replace(/[.]/g, '\\.')}\\*\\*`));
    const exported = JSON.parse(await fs.readFile(path.join(dir, 'out', 'manifest.json'), 'utf8')) as { labels: string[] };
    assert.deepEqual(exported.labels, ['ants', 'bees'], '--export-best put the best model in outputDir');
  });

  it('running one named experiment keeps every experiment in the tables: up to date ones read back, others "not run"; --export-best says which it chose', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, async () => {
    const dir = await tempDir('retrain-experiment-named-');
    await copySubset(3, 'train', path.join(dir, 'images'));
    const write = (steps: number) =>
      fs.writeFile(path.join(dir, 'retrain.config.ts'), `export default ${JSON.stringify({ imageDir: 'images', model: MODEL_DIR, train: { steps: 5 }, cacheDir: 'cache', outputDir: 'out', experiments: { a: { train: { steps: 6 } }, b: { train: { steps: steps } } } })};\n`);
    await write(7);
    const experiment = async (...args: string[]) => {
      const { stdout, stderr } = await run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), 'experiment', '--json', ...args], { cwd: dir });
      const table = JSON.parse(await fs.readFile(path.join(dir, 'out-experiments', 'experiments.json'), 'utf8')) as { best?: string; results: Array<{ name: string; status: string; note?: string; validationAccuracy: number | null; trainSeconds: number }> };
      return { printed: JSON.parse(stdout.trim().split('\n').at(-1)!) as typeof table, table, stderr };
    };
    const first = await experiment('a');
    assert.deepEqual(first.table.results.map((r) => [r.name, r.status, r.note]), [['a', 'ran', undefined], ['b', 'not run', 'never run']]);
    assert.deepEqual(first.printed.results.map((r) => r.name), ['a', 'b']);
    assert.match(await fs.readFile(path.join(dir, 'out-experiments', 'experiments.md'), 'utf8'), /\| b \| not run: never run \|/);
    await experiment();
    const again = await experiment('a', '--export-best');
    assert.deepEqual(again.table.results.map((r) => [r.name, r.status]), [['a', 'ran'], ['b', 'current']]);
    assert.ok(again.table.results.every((r) => r.trainSeconds === 0 && r.validationAccuracy !== null), 'both read back, nothing trained');
    assert.match(again.stderr, new RegExp(`exported ${again.table.best} to .*out \\(the best of a, b\\)`));
    await write(8); // b's config changed: its stored result is stale
    const stale = await experiment('a', '--export-best');
    assert.equal(stale.table.results[1]!.status, 'not run');
    assert.match(stale.table.results[1]!.note!, /^stale: train \(.*train\.steps 7 → 8/);
    assert.equal(stale.table.best, 'a');
    assert.match(stale.stderr, /exported a to .*out \(the best of a\)/);
  });

  it('bad experiment models are refused up front, one line each, nothing run; a failure only running finds is a failed row and the others go on', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, async () => {
    const dir = await tempDir('retrain-experiment-bad-');
    await copySubset(2, 'train', path.join(dir, 'images'));
    const write = (experiments: object) =>
      fs.writeFile(path.join(dir, 'retrain.config.ts'), `export default ${JSON.stringify({ imageDir: 'images', model: MODEL_DIR, train: { steps: 5 }, cacheDir: 'cache', outputDir: 'out', experiments })};\n`);
    const retrain = (...args: string[]) =>
      run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), 'experiment', ...args], { cwd: dir }).then(
        () => assert.fail('should fail'),
        (error: { code: number; stderr: string }) => error,
      );
    await write({ ok: { train: { steps: 6 } }, missing: { model: '/nope/model.onnx' }, alsoMissing: { model: 'no-such-model' } });
    const refused = await retrain();
    assert.equal(refused.code, 2);
    const lines = refused.stderr.trim().split('\n');
    assert.equal(lines.length, 2, refused.stderr);
    assert.match(lines[0]!, /^error: experiment "missing": model "\/nope\/model\.onnx": no such file/);
    assert.match(lines[1]!, /^error: experiment "alsoMissing": .*no-such-model/);
    await assert.rejects(fs.access(path.join(dir, 'out-experiments')), 'nothing run');

    await fs.writeFile(path.join(dir, 'broken.onnx'), 'not an onnx model');
    await write({ broken: { model: path.join(dir, 'broken.onnx') }, ok: { train: { steps: 6 } } });
    const failed = await retrain('--export-best');
    assert.equal(failed.code, 1);
    const table = JSON.parse(await fs.readFile(path.join(dir, 'out-experiments', 'experiments.json'), 'utf8')) as { best?: string; results: Array<{ name: string; status: string; note?: string }> };
    assert.deepEqual(table.results.map((r) => [r.name, r.status]), [['broken', 'failed'], ['ok', 'ran']]);
    assert.ok(table.results[0]!.note && !table.results[0]!.note.includes('\n'));
    assert.equal(table.best, 'ok');
    assert.match(failed.stderr, /error: 1 experiment failed \(broken\)/);
    assert.match(await fs.readFile(path.join(dir, 'out-experiments', 'experiments.md'), 'utf8'), /\| broken \| failed: /);
  });
});
