/**
 * The exported manifest's `configHash` names the settings the model was built from, and only those: a setting
 * no stage keys on (workers, the output folder) leaves it as it is, and an up-to-date export whose declared
 * settings differ (the same photos in another folder) gets the hash of this build, as a fresh export would.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../src/config/resolved-config.js';
import type { RetrainConfig } from '../src/config/define-config.js';
import { build } from '../src/pipeline/build.js';
import { readManifest } from '../src/export/read-manifest.js';
import { copySubset, HAS_SHARED, MODEL_DIR, tempDir } from './helpers/shared.js';

describe('the manifest\'s configHash', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  let images: string;
  let work: string;
  const config = (overrides: Partial<RetrainConfig> = {}) =>
    resolveConfig({ imageDir: images, model: MODEL_DIR, train: { steps: 20 }, seed: 1, workers: 1, cacheDir: path.join(work, 'cache'), outputDir: path.join(work, 'a'), ...overrides }, work);
  const hashIn = async (dir: string) => (await readManifest(path.join(work, dir)))!.configHash;

  before(async () => {
    work = await tempDir();
    images = await copySubset(4, 'train', path.join(work, 'images'));
  });
  after(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  it('does not change with workers or the output folder, which the export is up to date with', async () => {
    assert.ok((await build(config())).exported);
    const first = await hashIn('a');
    const again = await build(config({ workers: 2 }));
    assert.equal(again.exported, false, 'another worker count leaves the export up to date');
    assert.equal(await hashIn('a'), first);
    assert.ok((await build(config({ workers: 2, outputDir: path.join(work, 'b') }))).exported);
    assert.equal(await hashIn('b'), first, 'a fresh export with workers 2 into another folder has the same hash');
  });

  it('an up-to-date export from another folder of the same photos gets that build\'s hash', async () => {
    const moved = path.join(work, 'images-moved');
    await fs.cp(images, moved, { recursive: true });
    const before = await hashIn('a');
    const rebuilt = await build(config({ imageDir: moved }));
    assert.equal(rebuilt.exported, false, 'the same photos make the same model');
    assert.ok((await build(config({ imageDir: moved, outputDir: path.join(work, 'c') }))).exported);
    assert.notEqual(await hashIn('c'), before, 'the image folder is a declared input');
    assert.equal(await hashIn('a'), await hashIn('c'), 'the up-to-date export names the settings of this build');
  });
});
