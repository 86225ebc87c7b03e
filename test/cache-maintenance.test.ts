import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { cacheStats, collectGarbage, verifyCache } from '../src/cache/cache-maintenance.js';
import { RetrainCache } from '../src/cache/retrain-cache.js';
import { resolveConfig, type ResolvedConfig } from '../src/config/resolved-config.js';
import { build } from '../src/pipeline/build.js';
import { copySubset, HAS_SHARED, MODEL_DIR, tempDir } from './helpers/shared.js';

describe('retrain cache stats | verify | gc', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  let config: ResolvedConfig;
  let images: string;

  before(async () => {
    images = await copySubset(4);
    const work = await tempDir();
    config = resolveConfig({ imageDir: images, model: MODEL_DIR, train: { steps: 50 }, cacheDir: path.join(work, 'cache'), outputDir: path.join(work, 'out') }, work);
    assert.equal((await build(config)).bottlenecksComputed, 8);
  });

  const withCache = async <T>(use: (cache: RetrainCache) => Promise<T> | T): Promise<T> => {
    const cache = RetrainCache.open(config.cacheDir);
    try {
      return await use(cache);
    } finally {
      await cache.close();
    }
  };

  it('stats counts entries per table and per model', async () => {
    const stats = await withCache(cacheStats);
    assert.equal(stats.entries.bottlenecks, 8);
    assert.equal(stats.entries.files, 8);
    assert.equal(stats.entries.heads, 1);
    assert.deepEqual(Object.values(stats.bottlenecksByModel), [8]);
    assert.ok(stats.diskBytes > 8 * 1280 * 4);
  });

  it('verify removes damaged entries, and the next build recomputes only those', async () => {
    const removed = await withCache(async (cache) => {
      const [victim] = [...cache.entries('bottlenecks')][0]!;
      await cache.putBottleneck(victim, new Float32Array(100));
      const model = victim.slice(0, victim.lastIndexOf(':'));
      await cache.putBottleneck(`${model}:${'f'.repeat(64)}`, new Float32Array(1280).fill(Number.NaN));
      await cache.flushed();
      return (await verifyCache(cache)).removed;
    });
    assert.deepEqual(removed.map((r) => r.reason).sort(), ['100 values where this model has 1280', 'non-finite values']);
    const result = await build(config);
    assert.equal(result.bottlenecksComputed, 1);
    assert.equal((await withCache(verifyCache)).removed.length, 0);
  });

  it('gc drops what no image uses, and other models\' entries unless asked to keep them', async () => {
    await fs.rm(path.join(images, 'ants', (await fs.readdir(path.join(images, 'ants')))[0]!));
    await withCache(async (cache) => {
      await cache.putBottleneck(`0123456789abcdef:other-preprocessing:${'a'.repeat(64)}`, new Float32Array(8));
      await cache.flushed();
    });
    const kept = await withCache((cache) => collectGarbage(cache, config, { keepOtherModels: true }));
    assert.deepEqual(kept.removed, { bottlenecks: 1, failures: 0, files: 1, heads: 0, onnxGraphs: 0 });
    assert.equal(kept.kept, 8);
    const otherGraph = path.join(config.cacheDir, 'onnx', '0123456789abcdef.onnx');
    await fs.mkdir(path.dirname(otherGraph), { recursive: true });
    await fs.writeFile(otherGraph, 'another model\'s graph');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await fs.utimes(otherGraph, twoHoursAgo, twoHoursAgo); // unused for longer than gc's grace period
    const graphsBefore = await fs.readdir(path.dirname(otherGraph));
    const dropped = await withCache((cache) => collectGarbage(cache, config));
    assert.equal(dropped.removed.bottlenecks, 1, 'the other model\'s entry');
    assert.equal(dropped.removed.onnxGraphs, 1, 'the other model\'s graph');
    assert.deepEqual(await fs.readdir(path.dirname(otherGraph)), graphsBefore.filter((name) => name !== path.basename(otherGraph)));
    assert.equal((await build(config)).bottlenecksComputed, 0, 'everything still used is still there');
  });
});
