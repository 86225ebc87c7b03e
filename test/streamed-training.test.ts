import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { RetrainCache } from '../src/store/retrain-cache.js';
import { resolveConfig } from '../src/config/resolved-config.js';
import { build } from '../src/pipeline/build.js';
import { prefersGram } from '../src/core/logit-trackers.js';
import { trainHead, type TrainParams } from '../src/core/train-head.js';
import { trainConvergedHead } from '../src/core/train-converged-head.js';
import { copySubset, HAS_SHARED, MODEL_DIR, tempDir } from './helpers/shared.js';

/** Real vectors (real photos through the real backbone), read back from the build's LMDB cache. */
describe('streamed training (vectors read from LMDB on demand)', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  let work: string;
  let config: ReturnType<typeof resolveConfig>;

  before(async () => {
    const images = await copySubset(20);
    work = await tempDir();
    config = resolveConfig({ imageDir: images, model: MODEL_DIR, train: { steps: 30 }, seed: 3, cacheDir: path.join(work, 'cache'), outputDir: path.join(work, 'out') }, work);
    await build(config);
  });

  /** Every cached image as (key, class index), in key order: ants 0, bees 1. */
  function examples(cache: RetrainCache): Array<{ key: string; label: number }> {
    const labelOf = new Map<string, number>();
    for (const [file] of cache.entries('files')) labelOf.set(cache.getFileRecord(file)!.sha256, path.basename(path.dirname(file)) === 'ants' ? 0 : 1);
    const keys = [...cache.entries('bottlenecks')].map(([key]) => key).sort();
    return keys.map((key) => ({ key, label: labelOf.get(key.slice(key.lastIndexOf(':') + 1))! }));
  }

  for (const steps of [5, 400]) {
    it(`gives the in-memory head bit for bit (${steps} steps)`, async () => {
      const cache = RetrainCache.open(config.cacheDir, { mustExist: true });
      try {
        const all = examples(cache);
        assert.equal(all.length, 40);
        const trainSet = all.filter((_, i) => i % 5 !== 0);
        const validationSet = all.filter((_, i) => i % 5 === 0);
        const params: TrainParams = { steps, learningRate: 0.01, batchSize: 16, evalStepInterval: 10, validationBatchSize: -1, seed: 7 };
        const gram = prefersGram(trainSet.length, 1280, validationSet.length, 2, steps, params.batchSize);
        assert.equal(gram, steps > 5, 'the two runs cover both engines');
        const inMemory = (set: typeof all) => ({ vectors: set.map((e) => cache.getBottleneck(e.key)!), labels: set.map((e) => e.label) });
        let reads = 0;
        const streamed = (set: typeof all) => ({
          labels: set.map((e) => e.label),
          vector: (i: number) => {
            reads++;
            return cache.getBottleneck(set[i]!.key)!;
          },
        });
        const a = trainHead(inMemory(trainSet), inMemory(validationSet), 2, params);
        const b = trainHead(streamed(trainSet), streamed(validationSet), 2, params);
        assert.deepEqual(Buffer.from(b.head.weights.buffer), Buffer.from(a.head.weights.buffer));
        assert.deepEqual(Buffer.from(b.head.biases.buffer), Buffer.from(a.head.biases.buffer));
        assert.deepEqual(b.log, a.log);
        if (!gram) {
          // Read as sampled: at most one read per sampled example and step, plus the validation passes.
          const evaluations = Math.ceil(steps / params.evalStepInterval) + 1;
          assert.ok(reads <= 1 + steps * params.batchSize * 2 + evaluations * validationSet.length, `${reads} reads`);
          assert.ok(reads > trainSet.length, 'vectors are read again when sampled again, not held');
        }
      } finally {
        await cache.close();
      }
    });
  }

  it('an up-to-date rebuild reads no vector', async () => {
    const original = RetrainCache.prototype.getBottleneck;
    let reads = 0;
    RetrainCache.prototype.getBottleneck = function (this: RetrainCache, key: string) {
      reads++;
      return original.call(this, key);
    };
    try {
      const result = await build(config);
      assert.equal(result.trained, false);
      assert.equal(result.exported, false);
      assert.equal(reads, 0);
      assert.ok(Number.isFinite(result.testAccuracy), 'the evaluation is reported (stored)');
    } finally {
      RetrainCache.prototype.getBottleneck = original;
    }
  });

  it('the converged head (solver lbfgs): from the cache, held or streamed, the same head every time', async () => {
    const cache = RetrainCache.open(config.cacheDir, { mustExist: true });
    try {
      const all = examples(cache);
      const trainSet = all.filter((_, i) => i % 5 !== 0);
      const validationSet = all.filter((_, i) => i % 5 === 0);
      let reads = 0;
      const indexed = (set: typeof all) => ({ labels: set.map((e) => e.label), vector: (i: number) => (reads++, cache.getBottleneck(set[i]!.key)!) });
      const inMemory = (set: typeof all) => ({ vectors: set.map((e) => cache.getBottleneck(e.key)!), labels: set.map((e) => e.label) });
      const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      const a = trainConvergedHead(inMemory(trainSet), inMemory(validationSet), 2, { evalStepInterval: 10 });
      const b = trainConvergedHead(indexed(trainSet), indexed(validationSet), 2, { evalStepInterval: 10 });
      assert.deepEqual(bytes(b.head.weights), bytes(a.head.weights), 'read from LMDB once and held: the in-memory head bit for bit');
      assert.deepEqual(b.log, a.log);
      reads = 0;
      const s1 = trainConvergedHead(indexed(trainSet), indexed(validationSet), 2, { evalStepInterval: 10, l2: b.l2.l2, holdFloats: 0 });
      assert.ok(reads > 5 * trainSet.length, `streamed: ${reads} reads, every pass reads the cache`);
      const s2 = trainConvergedHead(indexed(trainSet), indexed(validationSet), 2, { evalStepInterval: 10, l2: b.l2.l2, holdFloats: 0 });
      assert.deepEqual(bytes(s2.head.weights), bytes(s1.head.weights), 'streamed: deterministic');
    } finally {
      await cache.close();
    }
  });

  it('a build with train.solver lbfgs trains the converged head once, then is up to date', async () => {
    const converged = { ...config, train: { ...config.train, solver: 'lbfgs' as const }, outputDir: path.join(work, 'out-lbfgs') };
    const messages: string[] = [];
    const first = await build(converged, { onEvent: (e) => void (e.type === 'info' && messages.push(e.message)) });
    assert.equal(first.trained, true);
    assert.ok(messages.some((m) => /^head: L2 [\d.e-]+ \(5-fold cross-validation/.test(m)), messages.join('\n'));
    const again = await build(converged);
    assert.equal(again.trained, false, 'the converged head is cached under its own key');
  });
});
