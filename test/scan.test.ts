import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { configFromFlags } from '../src/config/cli-flags.js';
import { resolveConfig } from '../src/config/resolved-config.js';
import { validateConfig } from '../src/config/schema.js';
import sharp from 'sharp';
import { decodeImage } from '../src/images/decode-image.js';
import { IMAGE_EXTENSIONS } from '../src/images/image-extensions.js';
import { groupFoldersByLabel, labelFromFolderName, LabelCollisionError } from '../src/images/labels.js';
import { scanImageDirs, ScanError } from '../src/images/scan-image-dirs.js';
import { tempDir } from './helpers/shared.js';

async function makeTree(spec: Record<string, string[]>): Promise<string> {
  const root = await tempDir();
  for (const [folder, files] of Object.entries(spec)) {
    await fs.mkdir(path.join(root, folder), { recursive: true });
    for (const file of files) await fs.writeFile(path.join(root, folder, file), 'x');
  }
  return root;
}

describe('labels and scan', () => {
  it('normalises ASCII folder names like the original (ends trimmed)', () => {
    assert.equal(labelFromFolderName('Sun Flowers'), 'sun flowers');
    assert.equal(labelFromFolderName('Golden_Retriever--2'), 'golden retriever 2');
    assert.equal(labelFromFolderName('daisy'), 'daisy');
    assert.equal(labelFromFolderName('_misc_'), 'misc');
    assert.equal(labelFromFolderName('Sun Flowers', 'original'), 'sun flowers');
    assert.equal(labelFromFolderName('_misc_', 'original'), ' misc ');
  });

  it('keeps letters of every script, NFC-normalised; the original rule only when asked', () => {
    assert.equal(labelFromFolderName('Abeille_été'), 'abeille été');
    assert.equal(labelFromFolderName('Abeille_e\u0301te\u0301'), 'abeille été', 'NFD (macOS) names give the NFC label');
    assert.equal(labelFromFolderName('蚂蚁'), '蚂蚁');
    assert.equal(labelFromFolderName('蜜蜂'), '蜜蜂');
    assert.equal(labelFromFolderName(' Ümlaut\u00a0'), 'ümlaut');
    assert.equal(labelFromFolderName('🐝 bees'), '🐝 bees');
    assert.equal(labelFromFolderName('Abeille_été', 'original'), 'abeille t ');
    assert.equal(labelFromFolderName('Ümlaut', 'original'), ' mlaut');
  });

  it('takes the label rule from the config (labels) or the --labels flag; unicode by default', () => {
    assert.equal(resolveConfig({ imageDir: 'x' }, '/').labels, 'unicode');
    assert.equal(resolveConfig(validateConfig({ imageDir: 'x', labels: 'original' }, 'c.ts'), '/').labels, 'original');
    assert.deepEqual(configFromFlags({ labels: 'original' }, '/', () => {}), { labels: 'original' });
    assert.throws(() => validateConfig({ imageDir: 'x', labels: 'ascii' }, 'c.ts'), /labels/);
  });

  it('refuses two folders that map to one label, naming both', () => {
    assert.throws(
      () => groupFoldersByLabel([{ name: 'Sun_Flowers', dir: '/a/Sun_Flowers' }, { name: 'sun flowers', dir: '/a/sun flowers' }]),
      (error: Error) => error instanceof LabelCollisionError && /Sun_Flowers.*sun flowers.*"sun flowers"/.test(error.message),
    );
    assert.throws(() => groupFoldersByLabel([{ name: '蚂蚁', dir: '/a/蚂蚁' }, { name: '蜜蜂', dir: '/a/蜜蜂' }], 'original'), LabelCollisionError);
  });

  it('merges same-named class folders of several roots (also NFC and NFD spellings of one name)', () => {
    const { classes } = groupFoldersByLabel([{ name: 'ants', dir: '/train/ants' }, { name: 'ants', dir: '/val/ants' }]);
    assert.equal(classes.length, 1);
    assert.equal(classes[0]!.folders.length, 2);
    const accents = groupFoldersByLabel([{ name: 'été', dir: '/train/été' }, { name: 'e\u0301te\u0301', dir: '/val/e\u0301te\u0301' }]);
    assert.equal(accents.classes.length, 1);
  });

  it('builds classes from non-ASCII folder names (蚂蚁 and 蜜蜂 were both " " and refused)', async () => {
    const root = await makeTree({ 蚂蚁: ['1.jpg'], 蜜蜂: ['2.jpg'], Abeille_été: ['3.jpg'] });
    const scan = await scanImageDirs([root]);
    assert.deepEqual(scan.labels, ['abeille été', '蚂蚁', '蜜蜂']);
    const original = await scanImageDirs([path.join(root)], { labels: 'original' }).catch((error: Error) => error);
    assert.ok(original instanceof LabelCollisionError, 'the original rule maps both to " "');
  });

  it('reads every format sharp decodes, in any case; reports all other files in one line', async () => {
    assert.ok(IMAGE_EXTENSIONS.includes('.tiff') && IMAGE_EXTENSIONS.includes('.avif'), IMAGE_EXTENSIONS.join(' '));
    const root = await makeTree({
      a: ['1.jpg', '2.JPEG', '3.png', '4.WebP', '5.gif', '6.TIFF', '7.tif', '8.avif', 'notes.txt', 'x.bmp', 'y.heic', '.hidden.jpg', '.DS_Store'],
      b: ['x.jpg', 'z.bmp'],
    });
    const scan = await scanImageDirs([root]);
    assert.deepEqual(scan.labels, ['a', 'b']);
    assert.deepEqual(
      [...scan.images].filter((i) => i.label === 'a').map((i) => i.relPath),
      ['1.jpg', '2.JPEG', '3.png', '4.WebP', '5.gif', '6.TIFF', '7.tif', '8.avif'],
    );
    const about = scan.warnings.filter((w) => /bmp|heic|notes/.test(w));
    assert.equal(about.length, 1, scan.warnings.join('\n'));
    assert.match(about[0]!, /^4 files in class folders are not an image format this build reads, ignored: a\/notes\.txt, a\/x\.bmp, a\/y\.heic, b\/z\.bmp \(it reads .*\.jpg/);
    assert.ok(!scan.warnings.some((w) => /hidden|DS_Store/.test(w)), 'hidden files are not reported');
  });

  it('decodes real TIFF and AVIF files as it does JPEG (what the scan accepts, the build reads)', async () => {
    const picture = sharp({ create: { width: 64, height: 48, channels: 3, background: '#c08040' } });
    const encoded = {
      '.jpg': await picture.clone().jpeg().toBuffer(),
      '.tiff': await picture.clone().tiff().toBuffer(),
      '.avif': await picture.clone().avif().toBuffer(),
      '.svg': Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48"><rect width="64" height="48" fill="#c08040"/></svg>'),
    };
    for (const [ext, bytes] of Object.entries(encoded)) {
      assert.ok(IMAGE_EXTENSIONS.includes(ext), ext);
      const pixels = await decodeImage(bytes, [8, 8], 'crop');
      assert.equal(pixels.length, 8 * 8 * 3, ext);
      assert.ok(Math.abs(pixels[0]! - 0xc0) <= 12 && Math.abs(pixels[2]! - 0x40) <= 12, `${ext}: ${pixels.subarray(0, 3).join(',')}`);
    }
  });

  it('puts images of sub-folders in their top-level class; reports loose top-level images in one line', async () => {
    const root = await makeTree({ a: ['1.jpg'], 'a/nested': ['2.jpg'], 'a/nested/deeper': ['3.png'], b: ['x.jpg'], '.': ['loose1.jpg', 'loose2.png', 'README.txt'] });
    const scan = await scanImageDirs([root]);
    assert.deepEqual(scan.labels, ['a', 'b']);
    assert.deepEqual([...scan.images].filter((i) => i.label === 'a').map((i) => i.relPath), ['1.jpg', 'nested/2.jpg', 'nested/deeper/3.png']);
    assert.equal([...scan.images].find((i) => i.relPath === 'nested/2.jpg')!.path, path.join(root, 'a', 'nested', '2.jpg'));
    const loose = scan.warnings.filter((w) => /loose/.test(w));
    assert.deepEqual(loose, [`2 images directly in ${root} are in no class folder, ignored: loose1.jpg, loose2.png; move them into a class folder`]);
  });

  it('follows symbolic links to class folders, sub-folders and files', async () => {
    const elsewhere = await makeTree({ c: ['c1.jpg', 'c2.jpg'], more: ['m.jpg'], files: ['f.jpg'] });
    const root = await makeTree({ a: ['1.jpg'], b: ['2.jpg'] });
    await fs.symlink(path.join(elsewhere, 'c'), path.join(root, 'c'));
    await fs.symlink(path.join(elsewhere, 'more'), path.join(root, 'a', 'more'));
    await fs.symlink(path.join(elsewhere, 'files', 'f.jpg'), path.join(root, 'b', 'linked.jpg'));
    const scan = await scanImageDirs([root]);
    assert.deepEqual(scan.labels, ['a', 'b', 'c']);
    assert.deepEqual([...scan.images].map((i) => `${i.label}:${i.relPath}`), ['a:1.jpg', 'a:more/m.jpg', 'b:2.jpg', 'b:linked.jpg', 'c:c1.jpg', 'c:c2.jpg']);
  });

  it('does not loop on symbolic links to a folder itself, an ancestor, the root or /', async () => {
    const root = await makeTree({ a: ['1.jpg'], 'a/sub': ['2.jpg'], b: ['3.jpg'] });
    await fs.symlink('.', path.join(root, 'a', 'self'));
    await fs.symlink('..', path.join(root, 'a', 'sub', 'up'));
    await fs.symlink(root, path.join(root, 'b', 'root'));
    await fs.symlink('/', path.join(root, 'b', 'slash'));
    await fs.symlink(root, path.join(root, 'loop'));
    await fs.symlink('sub', path.join(root, 'a', 'twice'));
    const scan = await scanImageDirs([root]);
    assert.deepEqual(scan.labels, ['a', 'b']);
    assert.deepEqual([...scan.images].map((i) => `${i.label}:${i.relPath}`), ['a:1.jpg', 'a:sub/2.jpg', 'b:3.jpg']);
    for (const link of ['a/self', 'a/sub/up', 'b/root', 'b/slash', 'loop']) {
      assert.ok(scan.warnings.some((w) => w.startsWith(`${path.join(root, link)}: symbolic link to `) && /a loop/.test(w)), `${link}: ${scan.warnings.join('\n')}`);
    }
    assert.ok(scan.warnings.some((w) => w.startsWith(`${path.join(root, 'a', 'twice')}: the same folder as`)), scan.warnings.join('\n'));
    const typedWithSlash = await scanImageDirs([`${root}/`]);
    assert.deepEqual([...typedWithSlash.images].map((i) => `${i.label}:${i.relPath}`), ['a:1.jpg', 'a:sub/2.jpg', 'b:3.jpg']);
  });

  it('scans a root named twice, or inside another root, once', async () => {
    const root = await makeTree({ a: ['1.jpg', '2.jpg'], b: ['3.jpg'] });
    await fs.symlink(root, `${root}-link`);
    const scan = await scanImageDirs([root, `${root}/`, `${root}-link`, path.join(root, 'a')]);
    assert.equal(scan.images.count, 3);
    assert.equal(scan.warnings.filter((w) => /counted once/.test(w)).length, 2);
    assert.equal(scan.warnings.filter((w) => /is inside image folder/.test(w)).length, 1);
  });

  it('summarises small and empty classes in one line each (50 classes × 2 images)', async () => {
    const spec: Record<string, string[]> = {};
    for (let c = 0; c < 50; c++) spec[`class${String(c).padStart(2, '0')}`] = ['1.jpg', '2.jpg'];
    spec.empty1 = [];
    spec.empty2 = [];
    const scan = await scanImageDirs([await makeTree(spec)]);
    assert.equal(scan.labels.length, 50);
    assert.equal(scan.warnings.length, 2, scan.warnings.join('\n'));
    assert.match(scan.warnings[0]!, /^2 class folders with no images, skipped: .*empty1, .*empty2$/);
    assert.match(scan.warnings[1]!, /^50 classes with fewer than 20 images \(at least 20 recommended\): class00 \(2\), .* and 40 more$/);
  });

  it('skips empty classes with a warning and needs two classes', async () => {
    const root = await makeTree({ a: ['1.jpg'], empty: [] });
    await assert.rejects(scanImageDirs([root]), (error: Error) => error instanceof ScanError && /found 1 class .* need at least 2/.test(error.message));
    await assert.rejects(scanImageDirs([path.join(root, 'missing')]), /cannot read image folder/);
  });
});
