import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { isIdentity, variantSpec, type Distortions } from '../src/core/distortions.js';
import { augmentId, distortionId } from '../src/store/keys.js';
import fs from 'node:fs/promises';
import { decodeImage, decodeVariants } from '../src/images/decode-image.js';
import { RetrainCache } from '../src/store/retrain-cache.js';
import { resolveConfig } from '../src/config/resolved-config.js';
import { build } from '../src/pipeline/build.js';
import { copySubset, HAS_SHARED, HYMENOPTERA, MODEL_DIR, tempDir } from './helpers/shared.js';

const distortions: Distortions = { flipLeftRight: true, randomCrop: 10, randomScale: 20, randomBrightness: 15, variants: 3 };

describe('cached distortions', () => {
  it('draws each variant from the content and its index: stable, different per index and per setting', () => {
    const a = variantSpec('ab'.repeat(32), distortions, 0);
    assert.deepEqual(variantSpec('ab'.repeat(32), distortions, 0), a);
    assert.notDeepEqual(variantSpec('ab'.repeat(32), distortions, 1), a);
    assert.ok(a.scale >= 1.1 && a.scale <= 1.1 * 1.2);
    assert.ok(a.brightness >= 0.85 && a.brightness <= 1.15);
    assert.notEqual(distortionId(distortions), distortionId({ ...distortions, randomScale: 30 }));
    assert.equal(distortionId(distortions), distortionId({ ...distortions, variants: 7 }), 'more variants reuse the first ones');
  });

  it('flipping alone has one distinct variant: the flipped image', () => {
    const flipOnly = { flipLeftRight: true, randomCrop: 0, randomScale: 0, randomBrightness: 0, variants: 10 };
    const ids = new Set(
      Array.from({ length: 10 }, (_, k) => variantSpec('cd'.repeat(32), flipOnly, k))
        .filter((spec) => !isIdentity(spec))
        .map(augmentId),
    );
    assert.equal(ids.size, 1);
  });

  it('flips, crops and brightens the decoded pixels', async () => {
    // Left half black, right half white.
    const image = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000000' } })
      .composite([{ input: await sharp({ create: { width: 32, height: 64, channels: 3, background: '#ffffff' } }).png().toBuffer(), left: 32, top: 0 }])
      .png()
      .toBuffer();
    const plain = await decodeImage(image, [8, 8], 'crop');
    const flipped = await decodeImage(image, [8, 8], 'crop', { scale: 1, offsetX: 0, offsetY: 0, flip: true, brightness: 1 });
    assert.ok(plain[0]! < 30 && flipped[0]! > 225, 'left column: black, then white once flipped');
    const cropped = await decodeImage(image, [8, 8], 'crop', { scale: 2, offsetX: 1, offsetY: 0, flip: false, brightness: 1 });
    const white = cropped.filter((v) => v > 225).length;
    assert.ok(white >= cropped.length * 0.8 && white < cropped.length + 1, `the right half of a 2x enlargement is white (${white}/${cropped.length})`);
    assert.ok(plain.filter((v) => v > 225).length <= plain.length * 0.6, 'the undistorted image is half black');
    const grey = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#646464' } }).png().toBuffer();
    const brighter = await decodeImage(grey, [8, 8], 'crop', { scale: 1, offsetX: 0, offsetY: 0, flip: false, brightness: 1.5 });
    assert.ok(Math.abs(brighter[0]! - 150) <= 1);
  });

  it('decodes an image once for all its variants, each the same as when decoded alone', { skip: !HAS_SHARED && 'shared data sets not found' }, async () => {
    const folder = path.join(HYMENOPTERA, 'train/bees');
    const bytes = await fs.readFile(path.join(folder, (await fs.readdir(folder)).sort()[3]!));
    const specs = [0, 1, 2, 3].map((k) => variantSpec('ef'.repeat(32), distortions, k));
    const together = await decodeVariants(bytes, [224, 224], 'crop', specs);
    const alone = await Promise.all(specs.map((spec) => decodeImage(bytes, [224, 224], 'crop', spec)));
    assert.equal(together.length, 4);
    together.forEach((pixels, i) => assert.ok(Buffer.from(pixels).equals(Buffer.from(alone[i]!)), `variant ${i}`));
    assert.ok(!Buffer.from(together[0]!).equals(Buffer.from(together[1]!)), 'different variants differ');
  });

  it('computes each training image\'s variants once, never for validation or test images', { skip: !HAS_SHARED && 'shared models/data sets not found' }, async () => {
    const images = await copySubset(10);
    const work = await tempDir();
    const config = resolveConfig(
      { imageDir: images, model: MODEL_DIR, distortions, train: { steps: 100 }, cacheDir: path.join(work, 'cache'), outputDir: path.join(work, 'out') },
      work,
    );
    const stages: string[] = [];
    const first = await build(config, { onEvent: (e) => e.type === 'stage' && e.stage === 'augment' && stages.push(`${e.status} ${e.detail}`) });
    assert.equal(first.bottlenecksComputed, 20);
    assert.deepEqual(stages, ['start 3 distorted variants per training image', `done ${first.counts.training * 3} computed, 0 cached`]);
    const cache = RetrainCache.open(config.cacheDir);
    const variantKeys = [...cache.entries('bottlenecks')].filter(([key]) => key.includes('+'));
    await cache.close();
    assert.equal(variantKeys.length, first.counts.training * 3, 'with these settings no two variants coincide');

    stages.length = 0;
    const second = await build(config, { onEvent: (e) => e.type === 'stage' && e.stage === 'augment' && stages.push(`${e.status} ${e.detail}`) });
    assert.equal(second.trained, false);
    assert.deepEqual(stages, [`up-to-date ${first.counts.training * 3} variants cached`]);
  });
});
