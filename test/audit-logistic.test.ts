import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FOLD_LBFGS } from '../src/core/audit/cross-validated-probabilities.js';
import { CHOLESKY_RIDGE, coordinateRows, kernelCoordinates } from '../src/core/audit/kernel-coordinates.js';
import { fitLogistic, probabilitiesInto } from '../src/core/logistic-regression.js';
import { Random } from '../src/core/random.js';

/** A fold head as the audit fits it: mean cross entropy, L-BFGS with the fold heads' tolerances. */
function fitLogisticRegression(rows: Float64Array[], width: number, fitOn: number[], labels: readonly number[], numClasses: number, l2: number) {
  const examples = { labels, vector: (i: number) => rows[i]! };
  return fitLogistic({ examples, indices: fitOn, numClasses, featureSize: width, l2, weighting: 'mean' }, undefined, FOLD_LBFGS);
}

/** `classes` overlapping clusters of non-negative vectors (ReLU-like), some labels flipped. */
function data(n: number, dimensions: number, classes = 3, seed = 2) {
  const random = new Random(seed);
  const centres = Array.from({ length: classes }, () => Float32Array.from({ length: dimensions }, () => random.next()));
  const labels: number[] = [];
  const vectors = Array.from({ length: n }, (_, i) => {
    const c = i % classes;
    labels.push(i % 9 === 4 ? (c + 1) % classes : c);
    return Float32Array.from(centres[c]!, (x) => Math.max(0, x + random.truncatedNormal(0.5)));
  });
  return { vectors, labels };
}

describe('audit fold heads: logistic regression by L-BFGS on kernel coordinates', () => {
  it('Cholesky coordinates keep every dot product (scaled to mean squared length 1)', () => {
    const { vectors } = data(40, 100);
    const coordinates = kernelCoordinates(vectors);
    assert.ok(coordinates.triangular);
    assert.equal(coordinates.width, 40);
    const meanSquare = vectors.reduce((s, v) => s + v.reduce((t, x) => t + x * x, 0), 0) / vectors.length;
    for (const [a, b] of [[0, 0], [3, 17], [39, 5], [20, 21]] as const) {
      let expected = 0;
      for (let i = 0; i < 100; i++) expected += vectors[a]![i]! * vectors[b]![i]!;
      expected = expected / meanSquare + (a === b ? CHOLESKY_RIDGE : 0);
      let got = 0;
      for (let i = 0; i <= Math.min(a, b); i++) got += coordinates.data[a * 40 + i]! * coordinates.data[b * 40 + i]!;
      assert.ok(Math.abs(got - expected) < 1e-9 * Math.max(1, Math.abs(expected)), `(${a}, ${b}): ${got} vs ${expected}`);
    }
    // Identical vectors (duplicates) still factorise.
    const twice = kernelCoordinates([...vectors.slice(0, 10), vectors[3]!, ...vectors.slice(10, 60)]);
    assert.ok(twice.data.every(Number.isFinite));
  });

  it('trains to the same optimum on the Cholesky coordinates as on the vectors themselves', () => {
    const { vectors, labels } = data(45, 120);
    const rows = Array.from({ length: 36 }, (_, i) => i);
    const held = Array.from({ length: 9 }, (_, i) => 36 + i);
    const cholesky = coordinateRows(kernelCoordinates(vectors));
    const meanSquare = vectors.reduce((s, v) => s + v.reduce((t, x) => t + x * x, 0), 0) / vectors.length;
    const raw = vectors.map((v) => Float64Array.from(v, (x) => x / Math.sqrt(meanSquare)));
    const lambda = 0.01;
    const a = fitLogisticRegression(cholesky, 45, rows, labels, 3, lambda);
    const b = fitLogisticRegression(raw, 120, rows, labels, 3, lambda);
    assert.ok(a.converged && b.converged && a.iterations < 500 && b.iterations < 500, `converged (${a.iterations}, ${b.iterations} iterations)`);
    for (const i of held) {
      const p = probabilitiesInto(a.x, cholesky[i]!, 3, new Float64Array(3));
      const q = probabilitiesInto(b.x, raw[i]!, 3, new Float64Array(3));
      for (let c = 0; c < 3; c++) assert.ok(Math.abs(p[c]! - q[c]!) < 2e-3, `image ${i}: ${[...p]} vs ${[...q]}`);
      assert.ok(Math.abs(p.reduce((s, x) => s + x, 0) - 1) < 1e-12);
    }
  });

  it('weaker regularisation fits the training labels more closely; the same input gives the same model', () => {
    const { vectors, labels } = data(60, 30);
    const rows = vectors.map((_, i) => i);
    const features = coordinateRows(kernelCoordinates(vectors));
    const fitted = (lambda: number) => {
      const { x } = fitLogisticRegression(features, 30, rows, labels, 3, lambda);
      return rows.filter((i) => { const p = probabilitiesInto(x, features[i]!, 3, new Float64Array(3)); return p.indexOf(Math.max(...p)) === labels[i]; }).length;
    };
    assert.ok(fitted(1e-4) > fitted(1), `${fitted(1e-4)} vs ${fitted(1)}`);
    assert.deepEqual(fitLogisticRegression(features, 30, rows, labels, 3, 0.01).x, fitLogisticRegression(features, 30, rows, labels, 3, 0.01).x);
  });
});
