import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { resolveConfig } from '../src/config/resolved-config.js';
import type { RetrainConfig } from '../src/config/define-config.js';
import { initBackend } from '../src/engine/model/backend.js';
import { build } from '../src/pipeline/build.js';
import { loadExportedModel } from '../src/export/load-exported-model.js';
import { copySubset, HAS_SHARED, MODEL_DIR, tempDir } from './helpers/shared.js';

/** A small real build: 12 photos per class from hymenoptera, plus three bad files. */
describe('build (real model, real photos)', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  let images: string;
  let work: string;
  const config = (overrides: Partial<RetrainConfig> = {}) =>
    resolveConfig(
      {
        imageDir: images,
        model: MODEL_DIR,
        train: { steps: 300 },
        seed: 1,
        cacheDir: path.join(work, 'cache'),
        outputDir: path.join(work, 'out'),
        ...overrides,
      },
      work,
    );

  before(async () => {
    images = await copySubset(12);
    work = await tempDir();
    await fs.writeFile(path.join(images, 'ants', 'zero.jpg'), '');
    await fs.writeFile(path.join(images, 'ants', 'text.jpg'), 'this is not a picture\n');
    const real = await fs.readFile(path.join(images, 'bees', (await fs.readdir(path.join(images, 'bees')))[0]!));
    await fs.writeFile(path.join(images, 'bees', 'truncated.jpg'), real.subarray(0, Math.floor(real.length / 3)));
  });

  it('computes every bottleneck once, reports bad files and goes on', async () => {
    const result = await build(config());
    assert.equal(result.bottlenecksComputed, 24);
    assert.equal(result.bottlenecksCached, 0);
    assert.deepEqual(result.classes, ['ants', 'bees']);
    const reasons = Object.fromEntries(result.skipped.map((s) => [path.basename(s.file), s.reason]));
    assert.equal(reasons['zero.jpg'], 'empty file (0 bytes)');
    assert.match(reasons['text.jpg']!, /^not an image/);
    assert.match(reasons['truncated.jpg']!, /truncated or corrupt/);
    assert.ok(result.trained && result.exported);
    assert.ok(result.testCount > 0 && result.testAccuracy !== null);
    // The test set's confusion matrix, rows = true class: it adds up to the test images, its diagonal to the accuracy.
    assert.equal(result.confusion.length, 2);
    assert.equal(result.confusion.flat().reduce((a, b) => a + b, 0), result.testCount);
    assert.equal((result.confusion[0]![0]! + result.confusion[1]![1]!) / result.testCount, result.testAccuracy);
  });

  it('a rebuild of unchanged input does nothing (no decode, no inference, no training, no export)', async () => {
    const result = await build(config());
    assert.equal(result.bottlenecksComputed, 0);
    assert.equal(result.bottlenecksCached, 24);
    assert.equal(result.trained, false);
    assert.equal(result.exported, false);
    assert.equal(result.skipped.length, 3, 'bad files are still reported, from the cache');
  });

  it('renamed and moved images are cache hits', async () => {
    const ants = path.join(images, 'ants');
    const first = (await fs.readdir(ants)).find((n) => n.endsWith('.jpg') && n !== 'zero.jpg' && n !== 'text.jpg')!;
    await fs.rename(path.join(ants, first), path.join(ants, `renamed-${first}`));
    const elsewhere = await tempDir();
    await fs.mkdir(path.join(elsewhere, 'bees'));
    const bee = (await fs.readdir(path.join(images, 'bees'))).find((n) => n !== 'truncated.jpg')!;
    await fs.rename(path.join(images, 'bees', bee), path.join(elsewhere, 'bees', bee));
    const result = await build(config({ imageDir: [images, elsewhere] }));
    assert.equal(result.bottlenecksComputed, 0);
    assert.equal(result.bottlenecksCached, 24);
    await fs.rename(path.join(elsewhere, 'bees', bee), path.join(images, 'bees', bee));
  });

  it('is deterministic: the same seed trains the same head from a fresh cache; another seed does not', async () => {
    await initBackend('wasm');
    const headOf = async (dir: string) => {
      const { model } = await loadExportedModel(dir);
      return model.getLayer('final_result').getWeights().map((w) => Array.from(w.dataSync()));
    };
    await build(config());
    const reference = await headOf(path.join(work, 'out'));
    const freshOut = path.join(work, 'fresh-out');
    await build(config({ cacheDir: path.join(work, 'fresh-cache'), outputDir: freshOut, workers: 1 }));
    assert.deepEqual(await headOf(freshOut), reference, 'fresh cache, one worker: identical head weights');
    const otherSeed = path.join(work, 'seed-2');
    await build(config({ outputDir: otherSeed, seed: 2 }));
    assert.notDeepEqual(await headOf(otherSeed), reference, 'another seed changes the head');
  });

  it('exports a model that reloads and classifies the photos it was trained on', async () => {
    await initBackend('wasm');
    const exported = await loadExportedModel(path.join(work, 'out'));
    assert.deepEqual(exported.manifest.labels, ['ants', 'bees']);
    assert.equal(exported.manifest.outputName, 'final_result');
    assert.equal(exported.model.outputs[0]!.name.split('/')[0], 'final_result');
    assert.equal((await fs.readFile(path.join(work, 'out', 'labels.txt'), 'utf8')), 'ants\nbees\n');
    let correct = 0;
    let total = 0;
    for (const label of ['ants', 'bees']) {
      for (const name of (await fs.readdir(path.join(images, label))).filter((n) => !['zero.jpg', 'text.jpg', 'truncated.jpg'].includes(n))) {
        const predictions = await exported.classify(await fs.readFile(path.join(images, label, name)));
        assert.ok(Math.abs(predictions.reduce((s, p) => s + p.score, 0) - 1) < 1e-4);
        total++;
        if (predictions[0]!.label === label) correct++;
      }
    }
    assert.equal(total, 24);
    assert.ok(correct >= 22, `${correct}/24 training photos classified right by the exported model`);
  });

  it('refuses an output name that clashes with a layer before doing any work', async () => {
    const before = await fs.readFile(path.join(work, 'out', 'weights.bin'));
    await assert.rejects(build(config({ finalTensorName: 'to_backbone_range', seed: 3 })), /finalTensorName "to_backbone_range" is already the name of a layer/);
    await assert.rejects(build(config({ finalTensorName: 'Conv1', seed: 3 })), /finalTensorName "Conv1"/);
    assert.ok(before.equals(await fs.readFile(path.join(work, 'out', 'weights.bin'))));
  });

  it('a warm start continues from the exported head when the classes are unchanged', async () => {
    await initBackend('wasm');
    const out = path.join(work, 'warm');
    const headOf = async () => (await loadExportedModel(out)).model.getLayer('final_result').getWeights()[0]!.dataSync();
    await build(config({ outputDir: out }));
    const trained = await headOf();
    // One tiny step: from the previous head the weights barely move; from scratch they are tiny random values.
    const oneStep = { steps: 1, learningRate: 1e-6 };
    await build(config({ outputDir: out, train: { ...oneStep, warmStart: true } }));
    const warm = await headOf();
    warm.forEach((w, i) => assert.ok(Math.abs(w - trained[i]!) < 1e-4));
    const again = await build(config({ outputDir: out, train: { ...oneStep, warmStart: true } }));
    assert.equal(again.trained || again.exported, false, 'an unchanged warm-start rebuild is up to date');
    await build(config({ outputDir: out, train: oneStep }));
    const cold = await headOf();
    assert.ok(Math.max(...cold.map(Math.abs)) < 0.01 && Math.max(...trained.map(Math.abs)) > 0.01);
  });
});
