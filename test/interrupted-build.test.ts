import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { resolveConfig } from '../src/config/resolved-config.js';
import type { BuildEvent } from '../src/pipeline/build-events.js';
import { build } from '../src/pipeline/build.js';
import { copySubset, HAS_SHARED, MODEL_DIR, tempDir } from './helpers/shared.js';

/**
 * A build stopped (Ctrl-C: `retrain build` aborts its signal) while computing bottlenecks. A user's trial saw
 * "bottleneck: done" after Ctrl-C; the stage is interrupted, and what it computed is in the cache.
 */
describe('a build stopped during the bottlenecks', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  it('says the bottleneck stage was interrupted, not done, and keeps every vector it computed', async () => {
    const work = await tempDir('retrain-interrupted-');
    const images = await copySubset(6, 'train', path.join(work, 'photos'));
    // One image at a time on one thread, so the stop comes with most images still to compute.
    const config = resolveConfig(
      { imageDir: images, model: MODEL_DIR, train: { steps: 10 }, workers: 1, inferenceBatchSize: 1, cacheDir: 'cache', outputDir: 'out' },
      work,
    );
    const controller = new AbortController();
    const stages: string[] = [];
    let last: BuildEvent | undefined;
    const onEvent = (event: BuildEvent) => {
      if (event.type === 'bottleneck-progress') last = event;
      if (event.type === 'bottleneck-progress' && event.computed >= 1) controller.abort();
      if (event.type === 'stage' && event.status !== 'start') stages.push(`${event.stage}: ${event.status}${event.detail ? ` (${event.detail})` : ''}`);
    };
    await assert.rejects(build(config, { onEvent, signal: controller.signal }), { name: 'AbortError' });
    const said = stages.find((s) => s.startsWith('bottleneck: '))!;
    const counts = /^bottleneck: interrupted \((\d+) computed and kept in the cache, 0 cached; (\d+) not computed\)$/.exec(said);
    assert.ok(counts, `${said} (all: ${stages.join(' | ')})`);
    const [computed, left] = [Number(counts[1]), Number(counts[2])];
    assert.ok(computed >= 1 && left >= 1 && computed + left === 12, said);
    // The last progress counts what was done, not the images the stop dropped (a trial saw "500/500 (0 computed, 0 cached)").
    assert.deepEqual(last, { type: 'bottleneck-progress', done: computed, total: 12, computed, cached: 0 });
    assert.deepEqual(stages.slice(3), ['split: superseded (the build was stopped)', 'augment: superseded (the build was stopped)', 'train: superseded (the build was stopped)', 'evaluate: superseded (the build was stopped)', 'export: superseded (the build was stopped)']);

    // Nothing computed is lost: the next build finds those vectors cached and computes only the rest.
    const again = await build(config);
    assert.equal(again.bottlenecksCached, computed);
    assert.equal(again.bottlenecksComputed, left);
  });
});
