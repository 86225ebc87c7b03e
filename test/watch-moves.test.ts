import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { copySubset, HAS_SHARED, HYMENOPTERA, MODEL_DIR, tempDir } from './helpers/shared.js';
import { WatchProcess, type Event } from './helpers/watch-process.js';

interface StageStatus {
  stage: string;
  upToDate: boolean;
  reasons: string[];
}

/**
 * A trial renamed a class folder under `retrain watch` (`mv images/roses images/rose`): watch said "bottleneck:
 * stale: 25 new images", then computed no vector (their content was cached). It says they were moved.
 */
describe('retrain watch says images moved or renamed as such, not as new', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  it('a renamed class folder, then a renamed photo with a new one', async () => {
    const dir = await tempDir('retrain-watch-moves-');
    const images = await copySubset(4, 'train', path.join(dir, 'images'));
    const config = { imageDir: 'images', model: MODEL_DIR, train: { steps: 20 }, workers: 1, cacheDir: 'cache', outputDir: 'out' };
    await fs.writeFile(path.join(dir, 'retrain.config.ts'), `export default ${JSON.stringify(config)};\n`);
    const watch = new WatchProcess(dir, ['--quiet-ms', '300']);
    const bottleneckReasons = (events: Event[]) =>
      events.filter((e) => e.type === 'stale').flatMap((e) => (e as unknown as { stages: StageStatus[] }).stages).find((s) => s.stage === 'bottleneck')?.reasons;
    try {
      let { index: seen } = await watch.nextBuild(0, 120_000);

      await fs.rename(path.join(images, 'bees'), path.join(images, 'bee'));
      let build = await watch.nextBuild(seen + 1, 120_000);
      assert.equal(build.event.bottlenecksComputed, 0);
      assert.deepEqual(bottleneckReasons(watch.events.slice(seen + 1, build.index)), ['4 images moved or renamed (their vectors are cached)']);
      seen = build.index;

      const photo = (await fs.readdir(path.join(HYMENOPTERA, 'val', 'ants'))).sort()[0]!;
      const renamed = (await fs.readdir(path.join(images, 'ants'))).sort()[0]!;
      await Promise.all([
        fs.rename(path.join(images, 'ants', renamed), path.join(images, 'ants', `renamed-${renamed}`)),
        fs.copyFile(path.join(HYMENOPTERA, 'val', 'ants', photo), path.join(images, 'ants', `new-${photo}`)),
      ]);
      build = await watch.nextBuild(seen + 1, 120_000);
      assert.equal(build.event.bottlenecksComputed, 1);
      assert.deepEqual(bottleneckReasons(watch.events.slice(seen + 1, build.index)), ['1 new image, 1 moved or renamed (its vector is cached)']);
    } finally {
      await watch.stop();
    }
  });
});
