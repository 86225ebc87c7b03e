import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignSetIndices } from '../../src/core/assign-sets.js';
import { Random } from '../../src/core/random.js';
import { inCanonicalOrder } from '../helpers/canonical-order.js';
import type { ImageWithVector } from '../../src/pipeline/dataset.js';
import { ScannedImages } from '../../src/images/scanned-images.js';
import { ImageColumns } from '../../src/pipeline/image-columns.js';
import { imagesKey } from '../../src/store/keys.js';
import { sha256Hex } from '../../src/util/content-hash.js';

/**
 * The bottleneck stage appends its images to columns as they come (no object per image kept until the split):
 * the columns' canonical order, keys and split must be the ones the per-image objects gave.
 */
describe('images appended as columns', () => {
  const random = new Random(11);
  const labels = ['b', 'a', 'ab', 'a b', 'ünï'];
  const images: ImageWithVector[] = Array.from({ length: 4000 }, (_, i) => {
    const label = labels[Math.floor(random.next() * labels.length)]!;
    // Duplicate contents in one class and across classes; names that repeat across classes.
    const sha256 = sha256Hex(String(Math.floor(random.next() * 3000)));
    const relPath = `img_${Math.floor(random.next() * 3500)}_${i % 3}.jpg`;
    const vector = Float32Array.of(i);
    return { path: `/data/${label}/${i}/${relPath}`, label, relPath, sha256, cached: i % 4 !== 0, ...(i % 5 === 0 ? { vector: () => vector } : {}) };
  });

  it('sorts into the canonical order of the objects, with their flags and held vectors', () => {
    const columns = ImageColumns.from(images).inCanonicalOrder();
    const sorted = inCanonicalOrder([...images]);
    assert.equal(columns.count, sorted.length);
    sorted.forEach((image, i) => {
      assert.deepEqual(
        [columns.path(i), columns.relPath(i), columns.label(i), columns.sha256(i), columns.cached(i), columns.heldVector(i)?.()],
        [image.path, image.relPath, image.label, image.sha256, image.cached, image.vector?.()],
      );
    });
    assert.deepEqual([...columns.presentLabels()].sort(), [...labels].sort());
  });

  it('gives the images key and split the objects gave, and grows past its first allocation', () => {
    const columns = ImageColumns.from(images).inCanonicalOrder();
    const sorted = inCanonicalOrder([...images]);
    assert.equal(imagesKey(columns), imagesKey(sorted));
    const a = assignSetIndices(columns, 10, 20);
    const b = assignSetIndices(sorted, 10, 20);
    assert.deepEqual(a.notes, b.notes);
    assert.deepEqual([...a.sets], [...b.sets]);
  });

  it('holds scan rows appended in any order (as the workers finish) and reads them through the scan', () => {
    const scanned = ScannedImages.from(images);
    const order = Array.from({ length: images.length }, (_, i) => i).sort((a, b) => ((a * 7919) % 4001) - ((b * 7919) % 4001));
    const columns = new ImageColumns();
    for (const row of order) columns.add({ images: scanned, row, sha256: images[row]!.sha256, size: 10 + row, mtimeMs: 1e12 + row }, images[row]!.cached, images[row]!.vector);
    order.forEach((row, i) => {
      assert.deepEqual([columns.path(i), columns.relPath(i), columns.label(i), columns.sha256(i), columns.size(i), columns.mtimeMs(i)], [images[row]!.path, images[row]!.relPath, images[row]!.label, images[row]!.sha256, 10 + row, 1e12 + row]);
    });
    assert.deepEqual(Array.from({ length: columns.count }, (_, i) => columns.path(i)), order.map((row) => images[row]!.path));
    assert.deepEqual(Array.from({ length: columns.count }, (_, i) => columns.relPath(i)), order.map((row) => images[row]!.relPath));
    columns.inCanonicalOrder();
    // The facts the files were hashed with move with their rows.
    inCanonicalOrder([...images]).forEach((image, i) => {
      const row = images.indexOf(image);
      assert.deepEqual([columns.path(i), columns.size(i), columns.mtimeMs(i)], [image.path, 10 + row, 1e12 + row]);
    });
    const other = ScannedImages.from(images.slice(0, 1));
    assert.throws(() => columns.add({ images: other, row: 0, sha256: images[0]!.sha256, size: 1, mtimeMs: 1 }, true), /rows of two scans/);
  });

  it('refuses a content hash that is not a SHA-256', () => {
    assert.throws(() => ImageColumns.from([{ ...images[0]!, sha256: 'xyz' }]), /is not a SHA-256/);
  });
});
