import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeImage } from '../src/images/decode-image.js';
import { initBackend } from '../src/engine/model/backend.js';
import { extractFeatures, loadFeatureExtractor } from '../src/engine/feature-extractor.js';
import { foldBatchNorm } from '../src/engine/model/fold-batch-norm.js';
import { identifyModel } from '../src/engine/model-identity.js';
import { resolveModel } from '../src/engine/model/resolve-model.js';
import * as tf from '@tensorflow/tfjs-core';
import { everyLayerModel, largestDifference, randomiseWeights, saveModel } from './helpers/keras-models.js';
import { DARKNET_DIR, HAS_SHARED, HYMENOPTERA, MODEL_DIR, tempDir } from './helpers/shared.js';

describe('batch-norm folding', () => {
  it('folds conv → BN into one conv with the same arithmetic', () => {
    const topology = {
      class_name: 'Model',
      config: {
        layers: [
          { class_name: 'InputLayer', name: 'in', config: { name: 'in' }, inbound_nodes: [] },
          { class_name: 'Conv2D', name: 'c', config: { name: 'c', use_bias: false }, inbound_nodes: [[['in', 0, 0, {}]]] },
          { class_name: 'BatchNormalization', name: 'bn', config: { name: 'bn', axis: -1, epsilon: 0.5 }, inbound_nodes: [[['c', 0, 0, {}]]] },
          { class_name: 'ReLU', name: 'r', config: { name: 'r' }, inbound_nodes: [[['bn', 0, 0, {}]]] },
        ],
        output_layers: [['r', 0, 0]],
      },
    };
    const f = (values: number[], shape: number[]) => ({ shape, data: Float32Array.from(values) });
    const weights = new Map([
      ['c/kernel', f([1, 2], [1, 1, 1, 2])],
      ['bn/gamma', f([2, 3], [2])],
      ['bn/beta', f([0.5, -1], [2])],
      ['bn/moving_mean', f([1, 4], [2])],
      ['bn/moving_variance', f([3.5, 8.5], [2])],
    ]);
    const { topology: out, weights: folded, renamed } = foldBatchNorm(topology, weights);
    const layers = (out as typeof topology).config.layers;
    assert.deepEqual(layers.map((l) => l.name), ['in', 'c', 'r']);
    assert.deepEqual(layers[2]!.inbound_nodes, [[['c', 0, 0, {}]]]);
    assert.equal(renamed.get('bn'), 'c');
    // y = gamma * (x*k - mean) / sqrt(var + eps) + beta, with sqrt(3.5 + 0.5) = 2 and sqrt(8.5 + 0.5) = 3
    assert.deepEqual([...folded.get('c/kernel')!.data], [1, 2]);
    assert.deepEqual([...folded.get('c/bias')!.data], [-0.5, -5]);
    assert.equal(folded.has('bn/gamma'), false);
  });

  it('leaves a BN alone after a convolution with its own activation, or one whose output is wanted', () => {
    const topology = (activation: string) => ({
      class_name: 'Model',
      config: {
        layers: [
          { class_name: 'Conv2D', name: 'c', config: { name: 'c', use_bias: false, activation }, inbound_nodes: [] },
          { class_name: 'BatchNormalization', name: 'bn', config: { name: 'bn', axis: -1 }, inbound_nodes: [[['c', 0, 0, {}]]] },
        ],
        output_layers: [['bn', 0, 0]],
      },
    });
    const one = (value: number) => ({ shape: [1], data: Float32Array.of(value) });
    const weights = new Map([
      ['c/kernel', { shape: [1, 1, 1, 1], data: Float32Array.of(1) }],
      ['bn/gamma', one(2)],
      ['bn/beta', one(0)],
      ['bn/moving_mean', one(0)],
      ['bn/moving_variance', one(1)],
    ]);
    assert.equal(foldBatchNorm(topology('relu6'), weights).renamed.size, 0);
    assert.equal(foldBatchNorm(topology('linear'), weights, { keep: ['c'] }).renamed.size, 0);
    // Linear and not kept: it folds (so the two checks above can fail).
    assert.equal(foldBatchNorm(topology('linear'), weights).renamed.get('bn'), 'c');
  });

  it('leaves a BN alone when its convolution has another consumer', () => {
    const topology = {
      config: {
        layers: [
          { class_name: 'Conv2D', name: 'c', config: { name: 'c' }, inbound_nodes: [] },
          { class_name: 'BatchNormalization', name: 'bn', config: { name: 'bn', axis: -1 }, inbound_nodes: [[['c', 0, 0, {}]]] },
          { class_name: 'Add', name: 'a', config: { name: 'a' }, inbound_nodes: [[['c', 0, 0, {}], ['bn', 0, 0, {}]]] },
        ],
      },
    };
    const one = (value: number) => ({ shape: [1], data: Float32Array.of(value) });
    const weights = new Map([
      ['c/kernel', { shape: [1, 1, 1, 1], data: Float32Array.of(1) }],
      ['bn/gamma', one(1)],
      ['bn/beta', one(0)],
      ['bn/moving_mean', one(0)],
      ['bn/moving_variance', one(1)],
    ]);
    assert.equal(foldBatchNorm(topology, weights).renamed.size, 0);
    // The same layers with the Add reading only the BN: now it folds (so the test above can fail).
    const single = structuredClone(topology);
    single.config.layers[2]!.inbound_nodes = [[['bn', 0, 0, {}]]];
    assert.equal(foldBatchNorm(single, weights).renamed.get('bn'), 'c');
  });

  it('the folded extractor of a model with every layer kind computes what the model itself computes', async () => {
    await initBackend('wasm');
    const model = everyLayerModel();
    randomiseWeights(model, 11);
    const resolved = await resolveModel(path.dirname(await saveModel(model)), {}, await tempDir());
    const identity = await identifyModel(resolved, 'wasm');
    const extractor = await loadFeatureExtractor(resolved, identity);
    const images = [5, 9].map((k) => Uint8Array.from({ length: 17 * 19 * 3 }, (_, i) => (i * k + 17 * k) % 256));
    const expected = tf.tidy(() => {
      const x = tf.div(tf.stack(images.map((p) => tf.tensor3d(p, [17, 19, 3], 'float32'))), 255);
      return (model.predict(x) as tf.Tensor).arraySync() as number[][];
    });
    const { worst, scale } = largestDifference(expected.map((r) => Float32Array.from(r)), extractFeatures(extractor, images));
    assert.ok(scale > 0.1, 'the outputs carry signal');
    assert.ok(worst < 1e-4, `largest difference ${worst} (largest value ${scale})`);
  });

  for (const [name, dir] of [['mobilenet_v2_035_224', MODEL_DIR], ['darknet_tiny_224', DARKNET_DIR]] as const) {
    it(`${name}: folded features equal the unfolded model's on a real photo`, { skip: !HAS_SHARED && 'shared models not found' }, async () => {
      await initBackend('wasm');
      const resolved = await resolveModel(dir, {}, await tempDir());
      const identity = await identifyModel(resolved, 'wasm');
      const folded = await loadFeatureExtractor(resolved, identity);
      const plain = await loadFeatureExtractor(resolved, identity, { foldBatchNorm: false });
      assert.ok(!JSON.stringify(folded.model.toJSON(null, false)).includes('BatchNormalization'));
      const photo = path.join(HYMENOPTERA, 'train/bees', (await fs.readdir(path.join(HYMENOPTERA, 'train/bees')))[0]!);
      const pixels = await decodeImage(await fs.readFile(photo), identity.inputSize, identity.resize);
      const [a] = extractFeatures(folded, [pixels]);
      const [b] = extractFeatures(plain, [pixels]);
      const worst = a!.reduce((m, v, i) => Math.max(m, Math.abs(v - b![i]!)), 0);
      assert.ok(worst < 1e-3, `largest difference ${worst}`);
    });
  }
});
