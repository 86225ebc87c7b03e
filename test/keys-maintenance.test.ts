import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { cacheStats, collectGarbage, verifyCache } from '../src/app/cache-maintenance.js';
import { RetrainCache } from '../src/store/retrain-cache.js';
import { resolveConfig, type ResolvedConfig } from '../src/config/resolved-config.js';
import { build } from '../src/pipeline/build.js';
import { parseBottleneckKey } from '../src/store/keys.js';
import { copySubset, HAS_SHARED, MODEL_DIR, tempDir } from './helpers/shared.js';

/**
 * Cache maintenance reads keys with the one parser (src/store/keys.ts): a distorted variant's vector belongs
 * to its model and image like the plain one. (Before, gc took `<model>:<preprocess>+<augment id>` for
 * another model and removed every variant of the current one, and stats listed one "model" per variant.)
 */
describe('cache maintenance and distorted variants', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  let config: ResolvedConfig;

  before(async () => {
    const images = await copySubset(3);
    const work = await tempDir();
    config = resolveConfig(
      {
        imageDir: images,
        model: MODEL_DIR,
        train: { steps: 20 },
        split: { validationPercentage: 0, testingPercentage: 0 },
        distortions: { flipLeftRight: true, variants: 1 },
        cacheDir: path.join(work, 'cache'),
        outputDir: path.join(work, 'out'),
      },
      work,
    );
    await build(config);
  });

  const withCache = async <T>(use: (cache: RetrainCache) => Promise<T> | T): Promise<T> => {
    const cache = RetrainCache.open(config.cacheDir);
    try {
      return await use(cache);
    } finally {
      await cache.close();
    }
  };

  it('stats counts a model\'s variants with its model', async () => {
    const stats = await withCache(cacheStats);
    const keys = await withCache((cache) => [...cache.entries('bottlenecks')].map(([key]) => key));
    assert.ok(keys.some((key) => parseBottleneckKey(key)?.augmentId), 'the build made distorted variants');
    assert.deepEqual(Object.values(stats.bottlenecksByModel), [keys.length]);
  });

  it('verify and gc keep the variants of the current model\'s images, and the next build computes nothing', async () => {
    assert.equal((await withCache(verifyCache)).removed.length, 0);
    const gc = await withCache((cache) => collectGarbage(cache, config));
    assert.equal(gc.removed.bottlenecks, 0, 'no vector of the current model and images is garbage');
    const events: string[] = [];
    await build(config, { onEvent: (event) => event.type === 'augment-progress' && events.push(`${event.computed}`) });
    assert.ok(events.every((computed) => computed === '0'), `variants recomputed after gc: ${events.join(',')}`);
  });
});
