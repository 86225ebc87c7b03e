import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseL2, FALLBACK_L2 } from '../../src/core/choose-l2.js';
import { minimizeLbfgs } from '../../src/core/lbfgs.js';
import { fitLogistic, logisticObjective, type Examples } from '../../src/core/logistic-regression.js';
import { Random } from '../../src/core/random.js';
import { fromBasis, spanBasis } from '../../src/core/span-basis.js';
import { softmaxInto } from '../../src/core/softmax-head.js';
import { trainConvergedHead } from '../../src/core/train-converged-head.js';
import { accuracyOf, type LabelledVectors } from '../../src/core/train-head.js';
import { resolveConfig } from '../../src/config/resolved-config.js';
import { clusters } from '../helpers/clusters.js';

const examplesOf = (set: LabelledVectors): Examples => ({ labels: set.labels, vector: (i) => set.vectors[i]! });
const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('L-BFGS', () => {
  it('finds the minimum of a quadratic (A x = b) and of the Rosenbrock function', () => {
    // f(x) = ½ xᵀAx − bᵀx with A = [[4, 1], [1, 3]], b = [1, 2]: the minimum is A⁻¹b = [1/11, 7/11].
    const quadratic = (x: Float64Array, g: Float64Array) => {
      g[0] = 4 * x[0]! + x[1]! - 1;
      g[1] = x[0]! + 3 * x[1]! - 2;
      return 0.5 * (4 * x[0]! ** 2 + 2 * x[0]! * x[1]! + 3 * x[1]! ** 2) - x[0]! - 2 * x[1]!;
    };
    const q = minimizeLbfgs(quadratic, new Float64Array([5, -5]));
    assert.ok(q.converged);
    assert.ok(Math.abs(q.x[0]! - 1 / 11) < 1e-6 && Math.abs(q.x[1]! - 7 / 11) < 1e-6, `${q.x}`);
    const rosenbrock = (x: Float64Array, g: Float64Array) => {
      const [a, b] = [x[0]!, x[1]!];
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    };
    const r = minimizeLbfgs(rosenbrock, new Float64Array([-1.2, 1]), { gradientTolerance: 1e-8, relativeTolerance: 0, maxIterations: 500, memory: 10 });
    assert.ok(Math.abs(r.x[0]! - 1) < 1e-5 && Math.abs(r.x[1]! - 1) < 1e-5, `${r.x}`);
  });
});

describe('L2-regularised logistic regression', () => {
  it('reaches the known optimum of a one-dimensional problem', () => {
    // x = +1 is class 1, x = −1 class 0. By symmetry W = (−w, w), and the loss is log(1 + e^(−2w)) + λw²,
    // minimal where λw = σ(−2w): solved here by bisection.
    const examples: Examples = { labels: [1, 0], vector: (i) => Float32Array.of(i === 0 ? 1 : -1) };
    for (const l2 of [0.01, 0.1, 1]) {
      let [lo, hi] = [0, 100];
      for (let i = 0; i < 200; i++) {
        const mid = (lo + hi) / 2;
        if (l2 * mid < 1 / (1 + Math.exp(2 * mid))) lo = mid;
        else hi = mid;
      }
      const problem = { examples, indices: [0, 1], numClasses: 2, featureSize: 1, l2 };
      const fit = fitLogistic(problem, undefined, { gradientTolerance: 1e-12, relativeTolerance: 0, maxIterations: 200, memory: 10 });
      assert.ok(Math.abs(fit.x[1]! - lo) < 1e-7 && Math.abs(fit.x[0]! + lo) < 1e-7, `λ ${l2}: ${fit.x} vs ±${lo}`);
      const byDefault = fitLogistic(problem);
      assert.ok(byDefault.converged && Math.abs(byDefault.x[1]! - lo) < 1e-3 * lo, `default tolerance: ${byDefault.x[1]} vs ${lo}`);
      assert.ok(Math.abs(fit.x[2]! - fit.x[3]!) < 1e-6, 'the biases stay equal');
    }
  });

  it('its gradient matches finite differences', () => {
    const set = clusters(12, 5, 3, 9);
    const f = logisticObjective({ examples: examplesOf(set), indices: set.labels.map((_, i) => i), numClasses: 3, featureSize: 5, l2: 0.05 });
    const random = new Random(2);
    const x = Float64Array.from({ length: 18 }, () => random.next() - 0.5);
    const g = new Float64Array(18);
    f(x, g);
    for (let j = 0; j < 18; j++) {
      const [up, down] = [Float64Array.from(x), Float64Array.from(x)];
      up[j] = up[j]! + 1e-6;
      down[j] = down[j]! - 1e-6;
      const numeric = (f(up, new Float64Array(18)) - f(down, new Float64Array(18))) / 2e-6;
      assert.ok(Math.abs(numeric - g[j]!) < 1e-6, `∂f/∂x${j}: ${g[j]} vs ${numeric}`);
    }
  });

  it('in the span of fewer vectors than dimensions: the same optimum', () => {
    const set = clusters(30, 80, 3, 5);
    const { basis, coordinates } = spanBasis(set.vectors);
    assert.equal(basis.length, 30);
    basis.forEach((q, a) => basis.forEach((p, b) => assert.ok(Math.abs(q.reduce((s, v, j) => s + v * p[j]!, 0) - (a === b ? 1 : 0)) < 1e-9)));
    const tight = { gradientTolerance: 1e-9, relativeTolerance: 0, maxIterations: 2000, memory: 10 };
    const all = set.labels.map((_, i) => i);
    const full = fitLogistic({ examples: examplesOf(set), indices: all, numClasses: 3, featureSize: 80, l2: 0.01 }, undefined, tight);
    const reduced = fitLogistic({ examples: { labels: set.labels, vector: (i) => coordinates[i]! }, indices: all, numClasses: 3, featureSize: 30, l2: 0.01 }, undefined, tight);
    const back = fromBasis(reduced.x, 3, basis, 80);
    back.forEach((w, i) => assert.ok(Math.abs(w - full.x[i]!) < 1e-5, `weight ${i}: ${w} vs ${full.x[i]}`));
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(reduced.x[90 + c]! - full.x[240 + c]!) < 1e-5, `bias ${c}`);
    // The head trainer fits small sets in the span, streamed ones in full: the same optimum to its tolerance.
    let reads = 0;
    const streamed = { labels: set.labels, vector: (i: number) => (reads++, set.vectors[i]!) };
    const spanned = trainConvergedHead(set, { vectors: [], labels: [] }, 3, { l2: 0.01, evalStepInterval: 1000 });
    const unspanned = trainConvergedHead(streamed, { vectors: [], labels: [] }, 3, { l2: 0.01, evalStepInterval: 1000, holdFloats: 0 });
    assert.ok(reads > 10 * set.labels.length, 'streamed: read on every pass, not held');
    const agree = set.vectors.filter((x) => {
      const [p, q] = [new Float64Array(3), new Float64Array(3)];
      softmaxInto(spanned.head, x, p);
      softmaxInto(unspanned.head, x, q);
      return p.every((v, c) => Math.abs(v - q[c]!) < 1e-2);
    });
    assert.equal(agree.length, set.vectors.length, 'the same probabilities (to 0.01)');
    assert.equal(coordinates.length, 30);
  });
});

describe('the converged head', () => {
  const train = clusters(150, 64, 3, 1, 4);
  const validation = clusters(60, 64, 3, 2, 4);

  it('is deterministic: the same vectors give the same head bit for bit (held or streamed)', () => {
    const a = trainConvergedHead(train, validation, 3, { evalStepInterval: 10 });
    const b = trainConvergedHead(train, validation, 3, { evalStepInterval: 10 });
    assert.deepEqual(bytes(a.head.weights), bytes(b.head.weights));
    assert.deepEqual(bytes(a.head.biases), bytes(b.head.biases));
    assert.deepEqual(a.log, b.log);
    assert.ok(accuracyOf(a.head, validation.vectors, validation.labels) > 0.9);
    const indexed = { labels: train.labels, vector: (i: number) => train.vectors[i]! };
    const c = trainConvergedHead(indexed, validation, 3, { evalStepInterval: 10 });
    assert.deepEqual(bytes(c.head.weights), bytes(a.head.weights), 'read by index and held: the same head');
    const s1 = trainConvergedHead(indexed, validation, 3, { evalStepInterval: 10, holdFloats: 0 });
    const s2 = trainConvergedHead(indexed, validation, 3, { evalStepInterval: 10, holdFloats: 0 });
    assert.deepEqual(bytes(s1.head.weights), bytes(s2.head.weights), 'streamed: the same head twice');
  });

  it('logs every evalStepInterval iterations and the last, with validation figures', () => {
    const { log, histograms } = trainConvergedHead(train, validation, 3, { evalStepInterval: 5, l2: 0.01 });
    assert.equal(log[0]!.step, 0);
    assert.ok(log.slice(1, -1).every((p) => p.step % 5 === 0));
    assert.ok(log.every((p) => p.validationCount === 60 && p.validationAccuracy !== undefined));
    assert.ok(log.at(-1)!.crossEntropy < log[0]!.crossEntropy);
    assert.equal(histograms.length, 2 * log.length);
  });

  it('a warm start from the converged head stays at the optimum', () => {
    const cold = trainConvergedHead(train, validation, 3, { evalStepInterval: 10, l2: 0.01 });
    const warm = trainConvergedHead(train, validation, 3, { evalStepInterval: 10, l2: 0.01 }, undefined, cold.head);
    assert.ok(warm.log.length <= 2, `warm start: ${warm.log.length} log points`);
    warm.head.weights.forEach((w, i) => assert.ok(Math.abs(w - cold.head.weights[i]!) < 1e-3));
  });
});

describe('choosing the L2 strength by cross-validation', () => {
  it('picks the penalty that predicts held-out folds, deterministically, from stratified folds', () => {
    const set = clusters(100, 20, 2, 3, 3);
    const indices = set.labels.map((_, i) => i);
    // λ = 1e4 shrinks every weight to about zero: the held-out folds are then a coin toss.
    const choice = chooseL2(examplesOf(set), indices, 2, 20, [1e4, 1e-2]);
    assert.equal(choice.l2, 1e-2);
    assert.equal(choice.scores.length, 2);
    assert.ok(choice.scores[1]!.right > 90 && choice.scores[0]!.crossEntropy > choice.scores[1]!.crossEntropy);
    assert.deepEqual(chooseL2(examplesOf(set), indices, 2, 20, [1e4, 1e-2]), choice);
  });

  it('ties go to the lower cross entropy', () => {
    const set = clusters(60, 20, 2, 4, 1);
    const choice = chooseL2(examplesOf(set), set.labels.map((_, i) => i), 2, 20, [10, 1, 0.1]);
    assert.ok(choice.scores.every((s) => s.right === 60), 'separable: every fold right at every λ');
    const lowest = choice.scores.reduce((a, b) => (b.crossEntropy < a.crossEntropy ? b : a));
    assert.equal(choice.l2, lowest.l2);
  });

  it('with fewer images in a class than folds, or one class, uses the fallback', () => {
    const set = clusters(8, 5, 2, 1);
    assert.deepEqual(chooseL2(examplesOf(set), set.labels.map((_, i) => i), 2, 5), { l2: FALLBACK_L2, scores: [], evaluations: 0 });
    const one = { labels: set.labels.map(() => 0), vectors: set.vectors };
    assert.equal(chooseL2(examplesOf(one), one.labels.map((_, i) => i), 2, 5).l2, FALLBACK_L2);
  });
});

describe('train.solver', () => {
  const solverOf = (train: object) => resolveConfig({ imageDir: 'x', train }, '/p').train.solver;
  it('is the original SGD by default; lbfgs when asked', () => {
    assert.equal(solverOf({}), 'sgd');
    assert.equal(solverOf({ steps: 500 }), 'sgd');
    assert.equal(solverOf({ solver: 'lbfgs' }), 'lbfgs');
  });
});
