import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { HeadOptions } from '../src/config/define-config.js';
import { resolveConfig } from '../src/config/resolved-config.js';
import { validateConfig } from '../src/config/schema.js';
import { initBackend } from '../src/engine/model/backend.js';
import { build } from '../src/pipeline/build.js';
import type { BuildEvent } from '../src/pipeline/build-events.js';
import { loadExportedModel } from '../src/export/load-exported-model.js';
import { copySubset, HAS_SHARED, MODEL_DIR, tempDir } from './helpers/shared.js';

describe('head options beyond the original', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  let images: string;
  let work: string;
  const run = (head: HeadOptions, name: string, events: BuildEvent[] = [], learningRate = 0.001) =>
    build(
      resolveConfig(
        { imageDir: images, model: MODEL_DIR, head, train: { steps: 60, learningRate }, seed: 2, cacheDir: path.join(work, 'cache'), outputDir: path.join(work, name) },
        work,
      ),
      { onEvent: (e) => events.push(e) },
    );

  before(async () => {
    images = await copySubset(12);
    work = await tempDir();
  });

  it('Adam with a hidden layer and dropout: exported with its hidden layer, repeatable', async () => {
    const head: HeadOptions = { optimizer: 'adam', hiddenUnits: 16, dropout: 0.2, l2: 1e-4, labelSmoothing: 0.1, classWeights: 'balanced' };
    const first = await run(head, 'a');
    assert.equal(first.trained, true);
    await initBackend('wasm');
    const model = await loadExportedModel(path.join(work, 'a'));
    assert.deepEqual(model.model.getLayer('retrain_hidden').getWeights()[0]!.shape, [1280, 16]);
    const photo = path.join(images, 'ants', (await fs.readdir(path.join(images, 'ants')))[0]!);
    const predictions = await model.classify(await fs.readFile(photo));
    assert.ok(Math.abs(predictions[0]!.score + predictions[1]!.score - 1) < 1e-5);

    // From a fresh cache: the same head again.
    const again = await build(
      resolveConfig(
        { imageDir: images, model: MODEL_DIR, head, train: { steps: 60, learningRate: 0.001 }, seed: 2, cacheDir: path.join(work, 'cache-2'), outputDir: path.join(work, 'b') },
        work,
      ),
    );
    assert.equal(again.trained, true);
    const weightsOf = async (dir: string) => Array.from((await loadExportedModel(dir)).model.getLayer('final_result').getWeights()[0]!.dataSync());
    assert.deepEqual(await weightsOf(path.join(work, 'b')), await weightsOf(path.join(work, 'a')));
  });

  it('early stopping keeps the best weights and says when it stopped', async () => {
    const events: BuildEvent[] = [];
    // A far too large step makes the validation loss jump about, so it soon stops improving.
    await run({ optimizer: 'adam', earlyStoppingPatience: 1 }, 'early', events, 1);
    const evals = events.filter((e) => e.type === 'train-eval');
    assert.ok(evals.length < 7, `stopped before the last of 7 evaluations (${evals.length})`);
    assert.ok(events.some((e) => e.type === 'info' && /^early stopping at step \d+/.test(e.message)));
  });

  it('validates the options, naming the field', () => {
    assert.throws(() => validateConfig({ imageDir: 'x', head: { dropout: 1 } }, 'test'), /head\.dropout/);
    assert.throws(() => validateConfig({ imageDir: 'x', head: { optimizer: 'rmsprop' } }, 'test'), /head\.optimizer/);
  });
});
