import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { RetrainCache } from '../src/store/retrain-cache.js';
import { verifyCache } from '../src/app/cache-maintenance.js';
import { resolveConfig } from '../src/config/resolved-config.js';
import { hashFile } from '../src/images/hash-file.js';
import { build } from '../src/pipeline/build.js';
import { copySubset, HAS_SHARED, HYMENOPTERA, MODEL_DIR, tempDir } from './helpers/shared.js';
import { pngClaiming } from './helpers/png.js';

describe('bad input: one line per file, the run goes on, nothing lost', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  it('reports every kind of unusable file by name and reason and builds from the rest', async () => {
    const images = await copySubset(6);
    const ants = path.join(images, 'ants');
    const real = await fs.readFile(path.join(ants, (await fs.readdir(ants))[0]!));
    const solid = (channels: 3 | 4 = 3) => sharp({ create: { width: 80, height: 60, channels, background: '#4080c0' } });
    const files: Record<string, Buffer | string> = {
      'zero.jpg': '',
      'text.jpg': 'this is a text file\n',
      'truncated.jpg': real.subarray(0, Math.floor(real.length / 3)),
      'bomb.png': pngClaiming(30_000, 30_000),
      // Usable, whatever their names say:
      'gif-named.jpg': await solid().gif().toBuffer(),
      'png-named.jpg': await solid(4).png().toBuffer(),
      'webp-named.jpg': await solid().webp().toBuffer(),
      'cmyk.jpg': await solid().toColourspace('cmyk').jpeg().toBuffer(),
      'sixteen-bit.png': await solid().toColourspace('rgb16').png().toBuffer(),
      'grey.png': await solid().toColourspace('b-w').png().toBuffer(),
    };
    for (const [name, bytes] of Object.entries(files)) await fs.writeFile(path.join(ants, name), bytes);
    await fs.symlink('loop-b.jpg', path.join(ants, 'loop-a.jpg'));
    await fs.symlink('loop-a.jpg', path.join(ants, 'loop-b.jpg'));
    await fs.symlink('does-not-exist.jpg', path.join(ants, 'dangling.jpg'));
    await fs.writeFile(Buffer.concat([Buffer.from(`${ants}/bad-name-`), Buffer.from([0xff, 0xfe]), Buffer.from('.jpg')]), real);
    // A class folder with spaces and Unicode file names.
    const honey = path.join(images, 'Honey Bees');
    await fs.mkdir(honey);
    const val = path.join(HYMENOPTERA, 'val', 'bees');
    for (const [i, name] of ['été 🐝.jpg', 'naïve photo.JPG', '蜜蜂.jpeg'].entries()) {
      await fs.copyFile(path.join(val, (await fs.readdir(val))[i]!), path.join(honey, name));
    }

    const work = await tempDir();
    const config = resolveConfig({ imageDir: images, model: MODEL_DIR, train: { steps: 50 }, cacheDir: path.join(work, 'cache'), outputDir: path.join(work, 'out') }, work);
    const result = await build(config);
    const reasons = Object.fromEntries(result.skipped.map((s) => [path.basename(s.file), s.reason]));
    assert.equal(reasons['zero.jpg'], 'empty file (0 bytes)');
    assert.match(reasons['text.jpg']!, /^not an image/);
    assert.match(reasons['truncated.jpg']!, /^truncated or corrupt image/);
    assert.equal(reasons['bomb.png'], 'image too large (over 100,000,000 pixels)');
    assert.equal(reasons['loop-a.jpg'], 'symbolic link loop');
    assert.equal(reasons['dangling.jpg'], 'broken symbolic link (its target does not exist)');
    assert.equal(reasons['bad-name-\uFFFD\uFFFD.jpg'], 'file name is not valid UTF-8; rename the file');
    assert.equal(result.skipped.length, 8, JSON.stringify(result.skipped));
    for (const { file, reason } of result.skipped) assert.ok(path.isAbsolute(file) && !reason.includes('\n'), `${file}: ${reason}`);
    assert.deepEqual(result.classes, ['ants', 'bees', 'honey bees']);
    assert.deepEqual(result.classCounts, { ants: 6 + 6, bees: 6, 'honey bees': 3 }, 'the six odd but valid images are used');
    assert.ok(result.exported);
    const cache = RetrainCache.open(config.cacheDir);
    assert.deepEqual((await verifyCache(cache)).removed, []);
    await cache.close();
    const again = await build(config);
    assert.equal(again.bottlenecksComputed, 0, 'failures are remembered: nothing is decoded again');
    assert.equal(again.skipped.length, 8);
  });

  it('a file deleted between scan and read, and an unreadable file, are reported', async (t) => {
    const dir = await tempDir();
    const cache = RetrainCache.open(path.join(dir, 'cache'));
    try {
      await assert.rejects(hashFile(cache, path.join(dir, 'gone.jpg')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
      if (process.getuid?.() === 0) {
        t.diagnostic('running as root: file permissions do not stop reads, so the unreadable-file case cannot be made here');
        return;
      }
      const locked = path.join(dir, 'locked.jpg');
      await fs.writeFile(locked, 'x');
      await fs.chmod(locked, 0);
      await assert.rejects(hashFile(cache, locked), (e: NodeJS.ErrnoException) => e.code === 'EACCES');
    } finally {
      await cache.close();
    }
  });
});
