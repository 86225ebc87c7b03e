import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { copySubset, HAS_SHARED, HYMENOPTERA, MODEL_DIR, REPO_ROOT, tempDir } from './helpers/shared.js';

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'bin/retrain.js');

function retrain(args: string[], cwd = REPO_ROOT) {
  return run(process.execPath, [BIN, ...args], { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: '1' } });
}

/** The failure of a command that must fail: its exit code and output. */
async function refused(args: string[], cwd = REPO_ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  const outcome = await retrain(args, cwd).then(
    () => undefined,
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  assert.ok(outcome, `retrain ${args.join(' ')} should fail`);
  return outcome;
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

  it('a bad flag value names the flag as typed, not the config file or the internal field (exit 2)', async () => {
    const work = await tempDir();
    for (const [flag, value] of [['--steps', '-5'], ['--how_many_training_steps', '-5'], ['--learning_rate', '-1'], ['--learning-rate', 'abc']] as const) {
      const error = await refused(['build', '--image_dir', work, flag, value]);
      assert.equal(error.code, 2, flag);
      assert.match(error.stderr, new RegExp(`^error: ${flag} ${value}: must be .*\n$`), flag);
      assert.doesNotMatch(error.stderr, /config\.ts|train\.|invalid config/, flag);
    }
  });

  it('an unknown config key is named with the closest known one, even when it hides a required key', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'retrain.config.ts'), `export default { imageDri: 'photos', train: { stepz: 3 } };\n`);
    const error = await refused(['build'], dir);
    assert.equal(error.code, 1);
    assert.match(error.stderr, /^error: \S+retrain\.config\.ts: invalid config: .*imageDri: unknown key \(did you mean imageDir\?\)/);
    assert.match(error.stderr, /train\.stepz: unknown key \(did you mean train\.steps\?\)/);
    assert.equal(error.stderr.split('\n').length, 2, 'one line');
  });

  it('refuses --top 0, --top -3 and --quiet-ms abc naming the flag', async () => {
    for (const args of [['predict', '--top', '0', 'x.jpg'], ['predict', '--top', '-3', 'x.jpg'], ['watch', '--quiet-ms', 'abc']]) {
      const error = await refused(args);
      assert.equal(error.code, 2, args.join(' '));
      assert.match(error.stderr, new RegExp(`^error: ${args[1]} ${args[2]}: must be a whole number, at least \\d\n`), args.join(' '));
    }
  });

  it('refuses a yes/no flag given a value other than true or false, naming the flag (was: read as false)', async () => {
    for (const word of ['--flip-left-right=maybe', '--flip_left_right=yes', '--json=1']) {
      const error = await refused(['build', word, '--image-dir', 'nowhere']);
      assert.equal(error.code, 2, word);
      assert.equal(error.stderr.split('\n')[0], `error: ${word}: must be true or false (or give ${word.split('=')[0]} / --no-${word.slice(2).split('=')[0]})`);
    }
  });

  it('no arguments print the help (exit 0); a misspelt command gets a suggestion; models --json', async () => {
    const { stdout } = await retrain([]);
    assert.match(stdout, /retrain build/);
    assert.match(stdout, /retrain predict/);
    const error = await refused(['biuld']);
    assert.equal(error.code, 2);
    assert.match(error.stderr, /^error: unknown command "biuld": did you mean build\?/);
    const models = JSON.parse((await retrain(['models', '--json'])).stdout) as { models: Array<{ name: string }>; searchDirs: string[] };
    assert.ok(models.models.some((m) => m.name === 'mobilenet_v2_035_224'));
    assert.ok(models.searchDirs.length > 0);
  });

  it('predict with no model says what to do in one line', async () => {
    const dir = await tempDir();
    const error = await refused(['predict', path.join(dir, 'photo.jpg')], dir);
    assert.equal(error.code, 1);
    assert.equal(error.stderr, `error: ${path.join(dir, 'retrain-output')}: no such model folder; build one with retrain build, or name a model folder with --model DIR\n`);
  });

  it(
    'a config outside the repository that imports "retrain": build, then predict and eval use its outputDir; one-class eval; plain messages',
    { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' },
    async () => {
      const project = await tempDir();
      const images = await copySubset(6, 'train', path.join(project, 'photos'));
      const odd = path.join(images, 'ants', 'odd\nname.jpg');
      await fs.writeFile(odd, 'not an image');
      const config = path.join(project, 'retrain.config.ts');
      await fs.writeFile(
        config,
        `import { defineConfig } from 'retrain';\nexport default defineConfig({ imageDir: 'photos', model: ${JSON.stringify(MODEL_DIR)}, ` +
          `train: { steps: 20 }, workers: 1, outputDir: 'my-model', cacheDir: 'cache' });\n`,
      );
      const elsewhere = await tempDir();
      const built = await retrain(['build', '--config', config], elsewhere);
      assert.match(built.stdout, /found 13 images in 2 classes/);
      assert.ok(built.stdout.includes(`skipped ${path.join(images, 'ants')}/odd\\nname.jpg: `), 'a newline in a file name is printed escaped, on one line');
      assert.ok(!built.stdout.split('\n').some((l) => l.startsWith('name.jpg')));

      const extra = path.join(images, 'bees', 'extra.jpg');
      const bee = (await fs.readdir(path.join(HYMENOPTERA, 'val', 'bees'))).sort()[0]!;
      await fs.copyFile(path.join(HYMENOPTERA, 'val', 'bees', bee), extra);
      const rebuilt = await retrain(['build', '--config', config], elsewhere);
      assert.match(rebuilt.stdout, /\b1 bottleneck computed\b/);

      const ant = path.join(images, 'ants', (await fs.readdir(path.join(images, 'ants'))).sort()[0]!);
      const predicted = JSON.parse((await retrain(['predict', '--json', '--config', config, ant], elsewhere)).stdout) as { predictions: unknown[] };
      assert.equal(predicted.predictions.length, 2);

      const folder = await refused(['predict', '--config', config, images], elsewhere);
      assert.equal(folder.code, 1);
      assert.equal(folder.stderr, `error: ${images}: is a folder; predict takes image files (to measure a model on a folder of class folders: retrain eval --image_dir DIR)\n`);

      const oneClass = await tempDir();
      await fs.cp(path.join(HYMENOPTERA, 'val', 'bees'), path.join(oneClass, 'bees'), { recursive: true });
      const evaluation = JSON.parse((await retrain(['eval', '--json', '--config', config, '--image_dir', oneClass], elsewhere)).stdout) as {
        count: number;
        classes: Array<{ label: string; support: number }>;
      };
      assert.equal(evaluation.count, 83);
      assert.deepEqual(evaluation.classes.map((c) => [c.label, c.support]), [['ants', 0], ['bees', 83]]);
      const missing = await refused(['eval', '--config', config, '--image_dir', path.join(project, 'nope')], elsewhere);
      assert.equal(missing.stderr, `error: ${path.join(project, 'nope')}: not found; --image_dir names a folder with one sub-folder of images per class\n`);
    },
  );

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
