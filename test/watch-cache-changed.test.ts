import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copySubset, HAS_SHARED, HYMENOPTERA, MODEL_DIR, tempDir } from './helpers/shared.js';
import { WatchProcess } from './helpers/watch-process.js';

// The cache file changed under a running `retrain watch` (its mapping is open): truncated, deleted or
// replaced between builds. Before the fix the next build died of SIGBUS (exit 135) on the truncated file.
describe('retrain watch when the cache file changes under it', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  let dir: string;
  let images: string;
  let watch: WatchProcess;
  let seen = 0;
  let extra = 0;
  const addPhoto = async () => {
    const names = (await fs.readdir(path.join(HYMENOPTERA, 'val', 'ants'))).sort();
    await fs.copyFile(path.join(HYMENOPTERA, 'val', 'ants', names[extra]!), path.join(images, 'ants', `extra-${extra++}.jpg`));
  };
  const cacheFile = () => path.join(dir, 'cache', 'cache.lmdb');

  before(async () => {
    dir = await tempDir('retrain-watch-cache-');
    images = path.join(dir, 'images');
    await copySubset(6, 'train', images);
    const config = { imageDir: 'images', model: MODEL_DIR, train: { steps: 50 }, cacheDir: 'cache', outputDir: 'out' };
    await fs.writeFile(path.join(dir, 'retrain.config.ts'), `export default ${JSON.stringify(config)};\n`);
    watch = new WatchProcess(dir, ['--quiet-ms', '300']);
    seen = (await watch.nextBuild(0)).index + 1;
  });
  after(async () => {
    if (watch.child.exitCode === null) await watch.stop('SIGKILL');
  });

  for (const [what, damage] of [
    ['truncated', async () => fs.truncate(cacheFile(), 8192)],
    ['deleted with its folder', async () => fs.rm(path.join(dir, 'cache'), { recursive: true })],
  ] as const) {
    it(`${what}: said in a warning, the cache is opened again and the build goes on`, async () => {
      await damage();
      await addPhoto();
      const { event, index } = await watch.nextBuild(seen, 120_000);
      const warnings = watch.events.slice(seen, index).filter((e) => e.type === 'warning').map((e) => String(e.message));
      seen = index + 1;
      assert.ok(warnings.some((m) => m.includes('changed while watching')), JSON.stringify(warnings));
      assert.equal(event.exported, true);
      assert.equal(watch.child.exitCode, null, 'still watching');
    });
  }
});
