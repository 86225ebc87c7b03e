import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeConfig } from '../../src/config/merge-config.js';

describe('mergeConfig', () => {
  it('lets overrides win field by field inside the nested groups', () => {
    const merged = mergeConfig(
      { imageDir: 'photos', train: { steps: 100, learningRate: 0.1 }, split: { testingPercentage: 20 }, seed: 1 },
      { train: { steps: 5 }, seed: 2 },
    );
    assert.deepEqual(merged.train, { steps: 5, learningRate: 0.1 });
    assert.deepEqual(merged.split, { testingPercentage: 20 });
    assert.equal(merged.seed, 2);
    assert.equal(merged.imageDir, 'photos');
  });

  it('merges modelOptions, distortions and head the same way', () => {
    const merged = mergeConfig(
      { modelOptions: { featureLayer: 'a', pooling: 'avg' }, distortions: { flipLeftRight: true }, head: { l2: 0.1 } },
      { modelOptions: { featureLayer: 'b' }, distortions: { randomCrop: 5 }, head: { optimizer: 'adam' } },
    );
    assert.deepEqual(merged.modelOptions, { featureLayer: 'b', pooling: 'avg' });
    assert.deepEqual(merged.distortions, { flipLeftRight: true, randomCrop: 5 });
    assert.deepEqual(merged.head, { l2: 0.1, optimizer: 'adam' });
  });

  it('leaves a group undefined when neither side has it (so defaults apply later)', () => {
    const merged = mergeConfig({ imageDir: 'x' }, {});
    for (const group of ['split', 'train', 'distortions', 'modelOptions', 'head'] as const) assert.equal(merged[group], undefined, group);
  });

  it('does not change its arguments', () => {
    const base = { train: { steps: 1 } };
    const overrides = { train: { learningRate: 0.5 } };
    mergeConfig(base, overrides);
    assert.deepEqual(base, { train: { steps: 1 } });
    assert.deepEqual(overrides, { train: { learningRate: 0.5 } });
  });
});
