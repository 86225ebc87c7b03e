import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { CENTRAL_FRACTION, decodeImage, ImageDecodeError } from '../src/images/decode-image.js';
import { findKnownModel } from '../src/engine/model/registry.js';
import { HYMENOPTERA, needsShared, REPO_ROOT, tempDir } from './helpers/shared.js';

const SIZE: [number, number] = [32, 32];
const solid = (channels: 3 | 4, background: string) => sharp({ create: { width: 60, height: 40, channels, background } });

async function rejectsWith(bytes: Uint8Array, reason: RegExp) {
  await assert.rejects(decodeImage(bytes, SIZE, 'crop'), (error: Error) => error instanceof ImageDecodeError && reason.test(error.message));
}

describe('decodeImage', () => {
  it('gives 8-bit RGB at the input size for every supported kind of image', async () => {
    const inputs: Record<string, Buffer> = {
      jpeg: await solid(3, '#336699').jpeg().toBuffer(),
      'png with alpha': await solid(4, '#33669980').png().toBuffer(),
      'grayscale png': await solid(3, '#808080').toColourspace('b-w').png().toBuffer(),
      '16-bit png': await solid(3, '#336699').toColourspace('rgb16').png().toBuffer(),
      'cmyk jpeg': await solid(3, '#336699').toColourspace('cmyk').jpeg().toBuffer(),
      webp: await solid(3, '#336699').webp().toBuffer(),
      gif: await solid(3, '#336699').gif().toBuffer(),
    };
    for (const [kind, bytes] of Object.entries(inputs)) {
      for (const mode of ['crop', 'stretch'] as const) {
        const pixels = await decodeImage(bytes, SIZE, mode);
        assert.equal(pixels.length, 32 * 32 * 3, `${kind} (${mode})`);
      }
    }
    const cmyk = await decodeImage(inputs['cmyk jpeg']!, SIZE, 'crop');
    assert.ok(Math.abs(cmyk[0]! - 0x33) < 30 && Math.abs(cmyk[2]! - 0x99) < 30 && cmyk[2]! > cmyk[0]!, 'CMYK converted back to about the same RGB (profiles differ a little)');
  });

  it('refuses empty, non-image and truncated files with a one-line reason', async () => {
    await rejectsWith(new Uint8Array(0), /^empty file \(0 bytes\)$/);
    await rejectsWith(new TextEncoder().encode('hello, I am not a JPEG'), /^not an image/);
    const jpeg = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#123456' } }).jpeg().toBuffer();
    await rejectsWith(jpeg.subarray(0, Math.floor(jpeg.length / 2)), /truncated or corrupt|cannot decode/);
  });

  it('says a HEIC (HEVC) image cannot be decoded by this libvips, not "bad seek to N"', async () => {
    // Made with Debian's `heif-enc -q 50` (libheif + x265) from a 64x48 PNG; the prebuilt libvips decodes AVIF only.
    const bytes = await fs.readFile(path.join(REPO_ROOT, 'test/fixtures/hevc-64x48.heic'));
    await rejectsWith(bytes, /^HEIC image \(HEVC-compressed\), which the installed libvips cannot decode: convert it to JPEG or PNG/);
  });

  it('decodes a real GIF that is named .jpg in the shared data set', async (t) => {
    if (!needsShared(t)) return;
    const gif = await fs.readFile(path.join(HYMENOPTERA, 'train/ants/imageNotFound.gif'));
    assert.equal(gif.subarray(0, 3).toString(), 'GIF');
    // Decoding goes by content, never by name: the same bytes under a .jpg name decode the same.
    const misnamed = path.join(await tempDir(), 'really-a-gif.jpg');
    await fs.writeFile(misnamed, gif);
    const [a, b] = await Promise.all([decodeImage(gif, [224, 224], 'crop'), decodeImage(await fs.readFile(misnamed), [224, 224], 'crop')]);
    assert.equal(a.length, 224 * 224 * 3);
    assert.deepEqual(a, b);
  });

  it('applies EXIF orientation', async () => {
    // A 60x40 image marked "rotate 90°": after orientation it is 40 wide and 60 tall, so a stretch to
    // 60x40 of the left column differs from the unrotated one.
    const left = await sharp({ create: { width: 60, height: 40, channels: 3, background: '#000000' } })
      .composite([{ input: await solid(3, '#ffffff').resize(30, 40).png().toBuffer(), left: 0, top: 0 }])
      .jpeg()
      .toBuffer();
    const rotated = await sharp(left).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const plain = await decodeImage(left, [40, 60], 'stretch');
    const turned = await decodeImage(rotated, [40, 60], 'stretch');
    assert.ok(plain[0]! > 200, 'unrotated: top-left is white');
    assert.ok(turned[0]! > 200 && turned[(39 * 60 + 0) * 3]! < 60, 'rotated: white on top, black at the bottom left');
  });

  it('central-crop gives torchvision\'s evaluation crop: shorter side to 256, the centre 224x224', async () => {
    // A 400x300 photo-like pattern (smooth gradients plus a grid), so that any shift or scale error shows.
    const [w, h] = [400, 300];
    const raw = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const grid = (Math.floor(x / 25) + Math.floor(y / 25)) % 2 ? 60 : 0;
        raw.set([(x * 255) / w, (y * 255) / h, 120 + grid], (y * w + x) * 3);
      }
    }
    const png = await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
    // The reference, computed another way: cut the central 87.5% of the shorter side first, then resize.
    const side = Math.round(Math.min(w, h) * CENTRAL_FRACTION);
    const reference = await sharp(png)
      .extract({ left: Math.round((w - side) / 2), top: Math.round((h - side) / 2), width: side, height: side })
      .resize(224, 224, { kernel: 'linear' })
      .raw()
      .toBuffer();
    const meanDiff = (a: Uint8Array) => a.reduce((sum, v, i) => sum + Math.abs(v - reference[i]!), 0) / a.length;
    const central = await decodeImage(png, [224, 224], 'central-crop');
    assert.ok(meanDiff(central) < 3, `central-crop differs from the reference crop by ${meanDiff(central).toFixed(2)} per channel`);
    const whole = await decodeImage(png, [224, 224], 'crop');
    assert.ok(meanDiff(whole) > 10, 'the plain centre crop (the whole shorter side) is a different picture');
  });

  it('the registry uses torchvision\'s evaluation crop for the torchvision MobileNetV2', () => {
    assert.equal(findKnownModel('mobilenet_v2_100_224_int8')!.options.resize, 'central-crop');
  });
});
