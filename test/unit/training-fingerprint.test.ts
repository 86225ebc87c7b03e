import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectInputs, stageKey } from '../../src/pipeline/stage.js';
import { trainStage } from '../../src/pipeline/stage-declarations.js';
import { trainingDataKey } from '../../src/store/keys.js';
import type { ResolvedConfig } from '../../src/config/resolved-config.js';

type Params = { steps: number; learningRate: number; batchSize: number; evalStepInterval: number; validationBatchSize: number; seed: number; head?: object; solver?: 'sgd' | 'lbfgs'; l2?: number };

/** The train stage's key as the runner makes it: declared config values + the training data's key. */
function trainingFingerprint(labels: string[], examples: Parameters<typeof trainingDataKey>[1], params: Params): string {
  const { seed, head, ...train } = params;
  const config = { seed, head: head ?? {}, train: { ...train, testBatchSize: 0, warmStart: false } } as unknown as ResolvedConfig;
  return stageKey(trainStage, selectInputs(trainStage, config).keyed, { 'training data': trainingDataKey(labels, examples) });
}

const params = { steps: 100, learningRate: 0.01, batchSize: 10, evalStepInterval: 10, validationBatchSize: 100, seed: 0 };
const examples = [
  { key: 'k1', label: 'ants', set: 'training' },
  { key: 'k2', label: 'bees', set: 'training' },
  { key: 'k3', label: 'bees', set: 'validation' },
  { key: 'k4', label: 'ants', set: 'testing' },
];
const labels = ['ants', 'bees'];

describe('training fingerprint', () => {
  const base = trainingFingerprint(labels, examples, params);

  it('does not depend on the order of the examples', () => {
    assert.equal(trainingFingerprint(labels, [...examples].reverse(), params), base);
  });

  it('ignores testing images (they do not train the head)', () => {
    assert.equal(trainingFingerprint(labels, examples.filter((e) => e.set !== 'testing'), params), base);
    assert.equal(trainingFingerprint(labels, [...examples, { key: 'k9', label: 'ants', set: 'testing' }], params), base);
  });

  it('changes with every input that changes the trained head', () => {
    const changed = [
      trainingFingerprint(labels, examples.map((e) => (e.key === 'k1' ? { ...e, key: 'k1b' } : e)), params),
      trainingFingerprint(labels, examples.map((e) => (e.key === 'k1' ? { ...e, label: 'bees' } : e)), params),
      trainingFingerprint(labels, examples.map((e) => (e.key === 'k3' ? { ...e, set: 'training' } : e)), params),
      trainingFingerprint(['bees', 'ants'], examples, params),
      trainingFingerprint(labels, examples, { ...params, seed: 1 }),
      trainingFingerprint(labels, examples, { ...params, learningRate: 0.1 }),
      trainingFingerprint(labels, examples, { ...params, head: { l2: 0.01 } }),
      trainingFingerprint(labels, examples, { ...params, solver: 'lbfgs' }),
      trainingFingerprint(labels, examples, { ...params, solver: 'lbfgs', l2: 0.01 }),
      trainingFingerprint(labels, examples.map((e) => (e.key === 'k1' ? { ...e, variants: [{ key: 'v1' }] } : e)), params),
    ];
    for (const [i, fingerprint] of changed.entries()) assert.notEqual(fingerprint, base, `change ${i}`);
    assert.equal(new Set(changed).size, changed.length, 'each change gives its own fingerprint');
    assert.equal(trainingFingerprint(labels, examples, { ...params, solver: 'sgd' }), base, 'the original SGD head keeps the key it had before train.solver');
  });
});
