import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditImages, DEFAULT_AUDIT_OPTIONS, type AuditImage } from '../src/core/audit/audit.js';
import { CROSS_VALIDATION_MAX_BATCH, CROSS_VALIDATION_MAX_STEPS, LOGISTIC_FOLDS_LIMIT, crossValidatedProbabilities, gatherFolds, planFolds, trainFold } from '../src/core/audit/cross-validated-probabilities.js';
import { auditImagesInWorkers, crossValidatedProbabilitiesInWorkers, foldWorkers } from '../src/engine/parallel-folds.js';
import { Random } from '../src/core/random.js';
import { softmaxInto } from '../src/core/softmax-head.js';
import { trainHead } from '../src/core/train-head.js';

const TRAIN = { steps: 300, learningRate: 0.05, batchSize: 50, evalStepInterval: 10, validationBatchSize: 100, seed: 4 };
const CLASSES = ['a', 'b', 'c'];

/** Three overlapping clusters of non-negative vectors, some labels flipped: the heads are not trivially certain. */
function images(perClass: number, dimensions: number, seed = 5): AuditImage[] {
  const random = new Random(seed);
  const centres = CLASSES.map(() => Float32Array.from({ length: dimensions }, () => random.next()));
  return CLASSES.flatMap((label, c) =>
    Array.from({ length: perClass }, (_, i) => ({
      path: `/data/${label}/${i}.jpg`,
      label: i % 7 === 3 ? CLASSES[(c + 1) % 3]! : label,
      set: 'training',
      sha256: `${label}${i}`,
      vector: Float32Array.from(centres[c]!, (x) => Math.max(0, x + random.truncatedNormal(0.6))),
    })),
  );
}

const labelsOf = (list: AuditImage[]) => list.map((image) => CLASSES.indexOf(image.label));

describe('audit cross-validation: one Gram matrix for all folds, folds in worker threads', () => {
  it('each fold head trained on rows of the shared Gram matrix is the head the trainer trains on its own', () => {
    // 60 vectors of 256 floats: the trainer picks the Gram engine, so the shared matrix is used.
    const list = images(20, 256);
    const vectors = list.map((image) => image.vector);
    const labels = labelsOf(list);
    const plan = planFolds(vectors, labels, 3, TRAIN, 5, 'sgd');
    assert.ok(plan.gram, 'the plan shares a Gram matrix');
    assert.equal(plan.gram.length, 60 * 60);
    for (let fold = 0; fold < plan.folds; fold++) {
      const { held, probabilities } = trainFold(plan, fold);
      const rest = vectors.map((_, i) => i).filter((i) => plan.foldOf[i] !== fold);
      assert.deepEqual(held, vectors.map((_, i) => i).filter((i) => plan.foldOf[i] === fold));
      const { head } = trainHead({ vectors: rest.map((i) => vectors[i]!), labels: rest.map((i) => labels[i]!) }, { vectors: [], labels: [] }, 3, { ...plan.params, seed: plan.params.seed + fold });
      const expected = new Float64Array(held.length * 3);
      held.forEach((i, r) => softmaxInto(head, vectors[i]!, expected.subarray(r * 3, r * 3 + 3)));
      assert.deepEqual(probabilities, expected, `fold ${fold}`);
    }
  });

  it('logistic heads (Cholesky or raw coordinates), SGD heads (Gram or direct): workers give the same probabilities as one thread', async () => {
    for (const solver of ['logistic', 'sgd'] as const)
    for (const [perClass, dimensions] of [[20, 256], [40, 12]] as const) {
      const list = images(perClass, dimensions);
      const vectors = list.map((image) => image.vector);
      const labels = labelsOf(list);
      const plan = planFolds(vectors, labels, 3, TRAIN, 5, solver);
      assert.equal(plan.gram !== undefined, solver === 'sgd' && dimensions === 256);
      assert.equal(plan.coordinates?.triangular, solver === 'logistic' ? dimensions === 256 : undefined);
      const alone = crossValidatedProbabilities(vectors, labels, 3, TRAIN, 5, solver);
      assert.deepEqual(await crossValidatedProbabilitiesInWorkers(vectors, labels, 3, TRAIN, 5, 2, solver), alone);
      assert.deepEqual(await crossValidatedProbabilitiesInWorkers(vectors, labels, 3, TRAIN, 5, 8, solver), alone);
      // Every image scored by some fold (no row left at zero).
      assert.ok(alone.every((p) => Math.abs(p.reduce((s, x) => s + x, 0) - 1) < 1e-9));
    }
  });

  it('excluded images are left out of every fold head\'s training but still scored, the same in worker threads (the cleaning round)', async () => {
    for (const solver of ['logistic', 'sgd'] as const) {
      const list = images(20, 256);
      const vectors = list.map((image) => image.vector);
      const labels = labelsOf(list);
      const plan = planFolds(vectors, labels, 3, TRAIN, 5, solver);
      // Every image labelled c left out: no head learns class c, so no image is predicted c.
      const excluded = Uint8Array.from(labels, (label) => (label === 2 ? 1 : 0));
      const round = { ...plan, excluded };
      const alone = gatherFolds(round, Array.from({ length: plan.folds }, (_, fold) => trainFold(round, fold)));
      assert.ok(alone.every((p) => Math.abs(p.reduce((s, x) => s + x, 0) - 1) < 1e-9), 'every image scored, the excluded ones too');
      assert.ok(alone.every((p) => p[2]! < Math.max(p[0]!, p[1]!)), `${solver}: a head trained without class c never predicts c`);
      const pool = foldWorkers(plan, 2);
      try {
        assert.deepEqual(await pool.train(excluded), alone, `${solver}: workers`);
        assert.deepEqual(await pool.train(), gatherFolds(plan, Array.from({ length: plan.folds }, (_, fold) => trainFold(plan, fold))), `${solver}: the same workers, nothing excluded`);
      } finally {
        await pool.close();
      }
    }
  });

  it('small sets get logistic fold heads, large ones the SGD trainer', () => {
    const list = images(5, 8);
    const vectors = list.map((image) => image.vector);
    assert.ok(planFolds(vectors, labelsOf(list), 3, TRAIN, 5).coordinates, 'auto: logistic up to LOGISTIC_FOLDS_LIMIT');
    assert.equal(LOGISTIC_FOLDS_LIMIT, 2_000);
  });

  it('the whole report is the same in worker threads', async () => {
    const list = images(20, 256);
    const options = { ...DEFAULT_AUDIT_OPTIONS, train: TRAIN };
    const report = auditImages(list, CLASSES, options);
    assert.ok(report.labelIssues.length > 0, 'the flipped labels give label issues to compare');
    assert.deepEqual(await auditImagesInWorkers(list, CLASSES, options, 3), report);
  });

  it('fold heads stop early: at most CROSS_VALIDATION_MAX_STEPS steps in batches of at most CROSS_VALIDATION_MAX_BATCH, fewer when the config says so', () => {
    const list = images(5, 8);
    const vectors = list.map((image) => image.vector);
    const labels = labelsOf(list);
    const long = planFolds(vectors, labels, 3, { ...TRAIN, steps: 4000, batchSize: 100 }, 5).params;
    assert.equal(CROSS_VALIDATION_MAX_STEPS, 500);
    assert.equal(long.steps, CROSS_VALIDATION_MAX_STEPS);
    assert.equal(long.batchSize, CROSS_VALIDATION_MAX_BATCH);
    assert.equal(long.evalStepInterval, CROSS_VALIDATION_MAX_STEPS, 'one evaluation line, on the last step');
    const short = planFolds(vectors, labels, 3, { ...TRAIN, steps: 120, batchSize: 10 }, 5).params;
    assert.deepEqual([short.steps, short.batchSize, short.evalStepInterval], [120, 10, 120]);
  });
});
