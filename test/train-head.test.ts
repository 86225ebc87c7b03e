import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DirectLogits, GramLogits, type LogitTracker } from '../src/core/logit-trackers.js';
import { Random } from '../src/core/random.js';
import { accuracyOf, trainHead, type LabelledVectors } from '../src/core/train-head.js';
import { clusters } from './helpers/clusters.js';

const params = { steps: 300, learningRate: 0.01, batchSize: 50, evalStepInterval: 10, validationBatchSize: 100, seed: 4 };

describe('softmax head training', () => {
  it('learns separable classes and logs like the original', () => {
    const train = clusters(120, 64, 3, 1);
    const validation = clusters(30, 64, 3, 2);
    const { head, log } = trainHead(train, validation, 3, params);
    assert.ok(accuracyOf(head, validation.vectors, validation.labels) > 0.95);
    assert.equal(log.length, 31, 'every 10 steps and the last');
    assert.equal(log.at(-1)!.step, 299);
    assert.ok(log.at(-1)!.crossEntropy < log[0]!.crossEntropy);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const train = clusters(60, 32, 2, 1);
    const validation = clusters(10, 32, 2, 2);
    const a = trainHead(train, validation, 2, params).head;
    const b = trainHead(train, validation, 2, params).head;
    const c = trainHead(train, validation, 2, { ...params, seed: 5 }).head;
    assert.deepEqual(a.weights, b.weights);
    assert.notDeepEqual(a.weights, c.weights);
  });

  it('the Gram-matrix engine and the direct engine agree', () => {
    const train = clusters(40, 48, 3, 7);
    const validation = clusters(9, 48, 3, 8);
    const random = new Random(1);
    const initial = Float32Array.from({ length: 48 * 3 }, () => random.truncatedNormal(0.01));
    const engines: LogitTracker[] = [
      new DirectLogits(initial, 3, train.vectors, validation.vectors),
      new GramLogits(initial, 3, train.vectors, validation.vectors),
    ];
    for (let step = 0; step < 20; step++) {
      const coefficients = new Map([[random.int(40), Float64Array.from([random.next(), -random.next(), 0.1])], [random.int(40), Float64Array.from([0.2, 0, -0.2])]]);
      for (const engine of engines) engine.update(coefficients);
      const v = random.int(9);
      const [x, y] = engines.map((e) => Array.from(e.validationLogits(v)));
      x!.forEach((value, i) => assert.ok(Math.abs(value - y![i]!) < 1e-9));
      const t = random.int(40);
      const [p, q] = engines.map((e) => Array.from(e.trainLogits(t)));
      p!.forEach((value, i) => assert.ok(Math.abs(value - q![i]!) < 1e-9));
    }
    const [wa, wb] = engines.map((e) => e.weights());
    wa!.forEach((value, i) => assert.ok(Math.abs(value - wb![i]!) < 1e-6));
  });
});
