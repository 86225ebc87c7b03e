import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import yargs from 'yargs';
import { configFlagOptions } from '../src/config/cli-flags.js';
import { readConfig } from '../src/config/read-config.js';
import { validateConfig } from '../src/config/schema.js';
import { TYPED_FLAGS, typedFlags } from '../src/config/typed-flags.js';
import { REPO_ROOT, tempDir } from './helpers/shared.js';

const indexModule = path.join(REPO_ROOT, 'dist/src/index.js');

/** Parses command-line words exactly as the CLI does. */
function parseFlags(words: string[]): Record<string | symbol, unknown> {
  return yargs(words).options(configFlagOptions()).option('config', { type: 'string' }).parseSync() as Record<string | symbol, unknown>;
}

async function writeConfig(body: string): Promise<string> {
  const dir = await tempDir();
  const file = path.join(dir, 'retrain.config.ts');
  await fs.writeFile(file, `import { defineConfig } from ${JSON.stringify(indexModule)};\nexport default defineConfig(${body});\n`);
  return file;
}

describe('config', () => {
  it('loads a TypeScript config, resolving its paths against its own folder', async () => {
    const file = await writeConfig(`{ imageDir: 'photos', train: { steps: 123 as number }, seed: 7 }`);
    const { config } = await readConfig({ config: file }, '/somewhere/else');
    assert.deepEqual(config.imageDirs, [path.join(path.dirname(file), 'photos')]);
    assert.equal(config.train.steps, 123);
    assert.equal(config.train.learningRate, 0.01);
    assert.equal(config.seed, 7);
    assert.equal(config.cacheDir, path.join(path.dirname(file), '.retrain-cache'));
  });

  it('loads the repository example config', async () => {
    const { config, file } = await readConfig({}, REPO_ROOT);
    assert.equal(file, path.join(REPO_ROOT, 'retrain.config.ts'));
    assert.match(config.imageDirs[0]!, /hymenoptera_data[/\\]train$/);
  });

  it('lets flags override the file, under our names and the original ones', async () => {
    const file = await writeConfig(`{ imageDir: 'photos', train: { steps: 123, batchSize: 10 } }`);
    const argv = parseFlags([
      '--config', file, '--how_many_training_steps', '50', '--learning-rate', '0.5', '--testing_percentage', '20',
      '--bottleneck_dir', 'cache', '--output_graph', 'out/graph.pb', '--final_tensor_name', 'probs', '--print_misclassified_test_images',
    ]);
    const warnings: string[] = [];
    const { config } = await readConfig(argv, '/work', (w) => warnings.push(w));
    assert.equal(config.train.steps, 50);
    assert.equal(config.train.batchSize, 10, 'fields not given on the command line keep the file value');
    assert.equal(config.train.learningRate, 0.5);
    assert.equal(config.split.testingPercentage, 20);
    assert.equal(config.split.validationPercentage, 10);
    assert.equal(config.cacheDir, '/work/cache', 'flag paths are relative to the working folder');
    assert.equal(config.outputDir, '/work/out/graph');
    assert.equal(config.finalTensorName, 'probs');
    assert.equal(config.printMisclassifiedTestImages, true);
    assert.match(warnings[0]!, /--output_graph out\/graph.pb/);
  });

  it('works from flags alone with the original defaults', async () => {
    const { config, file } = await readConfig(parseFlags(['--image_dir', 'flowers']), await tempDir());
    assert.equal(file, undefined);
    assert.deepEqual(
      [config.train.steps, config.train.learningRate, config.train.batchSize, config.train.evalStepInterval, config.train.validationBatchSize, config.train.testBatchSize],
      [4000, 0.01, 100, 10, 100, -1],
    );
    assert.deepEqual(config.split, { validationPercentage: 10, testingPercentage: 10 });
    assert.equal(config.finalTensorName, 'final_result');
  });

  it('names the field of a value of the wrong type', async () => {
    const file = await writeConfig(`{ imageDir: 'photos', train: { steps: 'many' as unknown as number } }`);
    await assert.rejects(readConfig({ config: file }, '/'), /invalid config: train\.steps: must be a number \(got "many"\)/);
    const unknown = await writeConfig(`{ imageDir: 'photos', stepz: 3 } as never`);
    await assert.rejects(readConfig({ config: unknown }, '/'), /stepz/);
  });

  it("loads a config outside the repository that imports defineConfig from 'retrain', as the README shows", async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'retrain.config.ts');
    await fs.writeFile(file, `import { defineConfig } from 'retrain';\nexport default defineConfig({ imageDir: 'photos', seed: 3 });\n`);
    const { config } = await readConfig({ config: file }, '/');
    assert.deepEqual(config.imageDirs, [path.join(dir, 'photos')]);
    assert.equal(config.seed, 3);
  });

  // Before the fix: `--workers 200` started 200 threads, each loading the model: on a 2-core machine the build
  // grew to 4 GB and died of a native abort after three minutes.
  it('--workers above the number of cores uses the cores, and says so naming the flag', async () => {
    const cores = Math.max(1, os.availableParallelism());
    const argv = parseFlags(['--image_dir', 'x', '--workers', String(cores + 198)]);
    argv[TYPED_FLAGS] = typedFlags(['--image_dir', 'x', '--workers', String(cores + 198)]);
    const warnings: string[] = [];
    const { config } = await readConfig(argv, await tempDir(), (message) => warnings.push(message));
    assert.equal(config.workers, cores);
    assert.deepEqual(warnings, [`--workers ${cores + 198}: this machine has ${cores} ${cores === 1 ? 'core' : 'cores'}; using ${cores} worker ${cores === 1 ? 'thread' : 'threads'} (each holds a copy of the model)`]);
    const { config: fewer } = await readConfig(parseFlags(['--image_dir', 'x', '--workers', '1']), await tempDir(), () => assert.fail('no warning'));
    assert.equal(fewer.workers, 1);
  });

  it('names a flag as typed, its value, and the closest key of an unknown one', async () => {
    const argv = parseFlags(['--image_dir', 'x', '--how_many_training_steps', '-5', '--flip-left-right', '--random_crop', '150']);
    argv[TYPED_FLAGS] = typedFlags(['--image_dir', 'x', '--how_many_training_steps', '-5', '--flip-left-right', '--random_crop', '150']);
    await assert.rejects(readConfig(argv, await tempDir()), (error: Error & { usage?: boolean }) => {
      assert.equal(error.message, '--how_many_training_steps -5: must be more than 0; --random_crop 150: must be at most 100');
      assert.equal(error.usage, true);
      return true;
    });
    const file = await writeConfig(`{ imageDir: 'photos', learningRate: 0.1, splt: {} } as never`);
    await assert.rejects(readConfig({ config: file }, '/'), /learningRate: unknown key \(did you mean train\.learningRate\?\); splt: unknown key \(did you mean split\?\)/);
  });

  it('offers a subset of the config flags for commands that take few of them', () => {
    assert.deepEqual(Object.keys(configFlagOptions(['cache-dir', 'model'])), ['model', 'cache-dir']);
    assert.equal(configFlagOptions(['cache-dir'])['cache-dir']!.alias, 'bottleneck_dir');
    assert.ok(Object.keys(configFlagOptions()).includes('steps'));
  });

  it('says what is missing when there is nothing to train on', async () => {
    await assert.rejects(readConfig({}, await tempDir()), /no retrain\.config\.ts here and no --image_dir/);
  });

  it('an experiment name outside the rule gets the rule, not "Invalid key in record"', () => {
    for (const name of ['x/y', 'a b']) {
      assert.throws(
        () => validateConfig({ imageDir: 'images', experiments: { [name]: { train: { steps: 5 } } } }, 'retrain.config.ts'),
        (error: Error) => {
          assert.equal(error.message, `retrain.config.ts: invalid config: experiments.${name}: invalid name ${JSON.stringify(name)}: experiment names: letters, digits and . = , + - _`);
          return true;
        },
      );
    }
  });
});
