import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Random } from '../../src/core/random.js';
import { listingDigest } from '../../src/images/listing-digest.js';
import { scanImageDirs } from '../../src/images/scan-image-dirs.js';
import { ScannedImages, type ImageFile } from '../../src/images/scanned-images.js';
import { fileListKey } from '../../src/store/keys.js';
import { tempDir } from '../helpers/shared.js';

/** The fields of every row, read through the accessors. */
function rowsOf(images: ScannedImages): ImageFile[] {
  return Array.from({ length: images.count }, (_, i) => ({ path: images.path(i), label: images.label(i), relPath: images.relPath(i) }));
}

/**
 * A scan's images are held as columns (names packed as UTF-8 with end offsets, a class folder and label per row):
 * every row must read back as the object it was made of, whatever its name's bytes.
 */
describe('scanned images as columns', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true }))));

  // Names of one to four bytes a character in UTF-8, at the start and end of a name, and names one character
  // apart: a name read one byte early or late would be another name or invalid UTF-8 (U+FFFD).
  const parts = ['a', 'é', 'ü', '日本', '😀', '\uE000', 'Z', ' ', 'x"y', '0'];
  const random = new Random(3);
  const pick = () => parts[Math.floor(random.next() * parts.length)]!;
  const roots = ['/data/r1', '/data/ré 2', '/data/r1/deeper/r3'];
  const labels = ['ants', 'été', 'bees 🐝'];
  const objects: ImageFile[] = Array.from({ length: 3000 }, (_, i) => {
    const label = labels[i % labels.length]!;
    const root = roots[Math.floor(random.next() * roots.length)]!;
    const name = `${pick()}${i % 7 === 0 ? '' : pick()}${i}${pick()}.jpg`;
    const relPath = i % 5 === 0 ? `${pick()}/${pick()}${pick()}/${name}` : name;
    return { path: `${root}/${label}/${relPath}`, label, relPath };
  });

  it('reads back every row as the object it was made of, through the accessors and iteration', () => {
    const columns = ScannedImages.from(objects);
    assert.equal(columns.count, objects.length);
    assert.deepEqual(columns.labels, labels);
    assert.deepEqual(rowsOf(columns), objects);
    assert.deepEqual([...columns], objects);
    objects.forEach((image, i) => assert.equal(columns.labels[columns.labelIndex(i)], image.label));
    assert.deepEqual(columns.image(17), objects[17]);
    assert.throws(() => columns.relPath(objects.length), RangeError);
  });

  it('keys a file list as the sorted paths, in path order or not', () => {
    const columns = ScannedImages.from(objects);
    assert.equal(columns.pathOrdered, false);
    assert.equal(fileListKey(columns), fileListKey(objects));
    // In path order (as `<` compares: '😀' is two UTF-16 units below U+E000, though its UTF-8 bytes are above).
    const sorted = [...objects].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const ordered = ScannedImages.from(sorted);
    assert.equal(ordered.pathOrdered, true);
    assert.equal(fileListKey(ordered), fileListKey(objects));
    assert.equal(fileListKey(ScannedImages.from([])), fileListKey([]));
  });

  it('refuses a name that is not the end of its path after a separator', () => {
    const columns = new ScannedImages(['a']);
    assert.throws(() => columns.add('/data/a/x.jpg', 'y.jpg', 0), /not its name in its class folder/);
    assert.throws(() => columns.add('/data/ax.jpg', 'x.jpg', 0), /not its name in its class folder/);
    assert.throws(() => columns.add('/data/a/x.jpg', '', 0), /not its name in its class folder/);
    assert.throws(() => columns.add('/data/a/x.jpg', 'x.jpg', 1), /label index 1/);
    assert.throws(() => columns.add('/data/a/\uD800.jpg', '\uD800.jpg', 0), /not valid Unicode/);
    assert.equal(columns.count, 0);
  });

  it('holds what a scan of several roots finds (a label of two folders, links, non-ASCII names) as the objects did', async () => {
    const dir = await tempDir('retrain-scanned-images-');
    dirs.push(dir);
    const files = ['r1/Zebra/a.jpg', 'r1/Zebra/sub/b.jpg', 'r1/apple/1.jpg', 'r1/apple/😀.jpg', 'r1/apple/\uE000.jpg', 'r1/été/ü 日本.jpg', 'r2/Zebra/x.jpg', 'r2/Banana/q.png'];
    for (const file of files) {
      await fs.mkdir(path.join(dir, path.dirname(file)), { recursive: true });
      await fs.writeFile(path.join(dir, file), file);
    }
    await fs.symlink('../apple', path.join(dir, 'r1/Zebra/linked'));
    await fs.symlink('../../r2/Banana/q.png', path.join(dir, 'r1/Zebra/sub/q-link.png'));
    const scan = await scanImageDirs([path.join(dir, 'r1'), path.join(dir, 'r2')]);
    const at = (...parts: string[]) => path.join(dir, ...parts);
    const expected: ImageFile[] = [
      { path: at('r1/apple/1.jpg'), label: 'apple', relPath: '1.jpg' },
      { path: at('r1/apple/😀.jpg'), label: 'apple', relPath: '😀.jpg' },
      { path: at('r1/apple/\uE000.jpg'), label: 'apple', relPath: '\uE000.jpg' },
      { path: at('r2/Banana/q.png'), label: 'banana', relPath: 'q.png' },
      { path: at('r1/Zebra/a.jpg'), label: 'zebra', relPath: 'a.jpg' },
      { path: at('r1/Zebra/linked/1.jpg'), label: 'zebra', relPath: 'linked/1.jpg' },
      { path: at('r1/Zebra/linked/😀.jpg'), label: 'zebra', relPath: 'linked/😀.jpg' },
      { path: at('r1/Zebra/linked/\uE000.jpg'), label: 'zebra', relPath: 'linked/\uE000.jpg' },
      { path: at('r1/Zebra/sub/b.jpg'), label: 'zebra', relPath: 'sub/b.jpg' },
      { path: at('r1/Zebra/sub/q-link.png'), label: 'zebra', relPath: 'sub/q-link.png' },
      { path: at('r2/Zebra/x.jpg'), label: 'zebra', relPath: 'x.jpg' },
      { path: at('r1/été/ü 日本.jpg'), label: 'été', relPath: 'ü 日本.jpg' },
    ];
    assert.deepEqual(scan.labels, ['apple', 'banana', 'zebra', 'été']);
    assert.deepEqual(rowsOf(scan.images), expected);
    assert.deepEqual([...scan.images], expected);
    assert.equal(scan.images.pathOrdered, false);
    assert.equal(fileListKey(scan.images), fileListKey(expected));
    assert.equal(listingDigest(scan.labels, scan.images), listingDigest(scan.labels, expected));
  });
});
