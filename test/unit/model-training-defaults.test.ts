import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/resolved-config.js';
import { DEFAULT_LEARNING_RATE, REGISTRY_LEARNING_RATES } from '../../src/config/model-training-defaults.js';
import { KNOWN_MODELS } from '../../src/engine/model/registry.js';

const learningRate = (config: Parameters<typeof resolveConfig>[0]) => resolveConfig(config, '/tmp').train.learningRate;

describe('learning rate carried per registry model', () => {
  it('is the registry model\'s own default when the config gives none', () => {
    assert.equal(learningRate({ imageDir: 'photos', model: 'darknet_tiny_224' }), 0.1);
    assert.equal(learningRate({ imageDir: 'photos', model: 'mobilenet_v1_075_224' }), 0.1);
  });

  it('stays the original\'s 0.01 for the other registry models', () => {
    assert.equal(learningRate({ imageDir: 'photos', model: 'mobilenet_v2_100_224_int8' }), 0.01);
    assert.equal(learningRate({ imageDir: 'photos', model: 'mobilenet_v2_035_224' }), 0.01);
    assert.equal(DEFAULT_LEARNING_RATE, 0.01);
  });

  it('gives way to a learning rate in the config (or a flag, merged into it)', () => {
    assert.equal(learningRate({ imageDir: 'photos', model: 'darknet_tiny_224', train: { learningRate: 0.01 } }), 0.01);
    assert.equal(learningRate({ imageDir: 'photos', model: 'mobilenet_v2_100_224_int8', train: { learningRate: 0.3 } }), 0.3);
  });

  it('is not applied to a model given as a path, even to the same weights', () => {
    assert.equal(learningRate({ imageDir: 'photos', model: '../shared/models/darknet_tiny_224' }), 0.01);
    assert.equal(learningRate({ imageDir: 'photos', model: 'https://example.com/darknet_tiny_224/model.json' }), 0.01);
  });

  it('is only for the default head: with any head option set it is 0.01', () => {
    assert.equal(learningRate({ imageDir: 'photos', model: 'darknet_tiny_224', head: { optimizer: 'momentum' } }), 0.01);
    assert.equal(learningRate({ imageDir: 'photos', model: 'darknet_tiny_224', head: { hiddenUnits: 64 } }), 0.01);
    assert.equal(learningRate({ imageDir: 'photos', model: 'mobilenet_v1_075_224', head: { l2: 0.001 } }), 0.01);
    assert.equal(learningRate({ imageDir: 'photos', model: 'darknet_tiny_224', head: {} }), 0.1);
  });

  it('names only models the registry knows', () => {
    const names = new Set(KNOWN_MODELS.map((m) => m.name));
    for (const name of Object.keys(REGISTRY_LEARNING_RATES)) assert.ok(names.has(name), name);
  });
});
