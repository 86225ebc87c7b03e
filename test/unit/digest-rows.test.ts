import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { assignSetIndices } from '../../src/core/assign-sets.js';
import { bucketPercent } from '../../src/core/original-split.js';
import { Random } from '../../src/core/random.js';
import { DatasetImages } from '../../src/pipeline/dataset-images.js';
import { ImageColumns } from '../../src/pipeline/image-columns.js';
import { RetrainCache } from '../../src/store/retrain-cache.js';
import { imageSetKey, imagesKey, testSetKey, trainingDataKey } from '../../src/store/keys.js';
import { rowsOf } from '../../src/util/image-rows.js';
import { assignSetsBefore } from '../helpers/assign-sets-before.js';
import { tempDir } from '../helpers/shared.js';

/**
 * From the split on, images are grouped, sorted and found by their content hashes' bytes (the digest column), not
 * by a hex string per image: the sets, notes and keys must be what the hex strings gave, and no row may be mixed
 * up with another whose hash shares its first bytes (where the grouping table puts it) or its prefix.
 */
describe('split and keys from the digest column', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
  const prefix = 'model:pre:';

  /**
   * Hashes that share their first four bytes (one slot of the grouping table) and differ in one later byte, in
   * both halves of the byte range (a signed comparison would sort them the other way), some copied into other classes.
   */
  const dataSet = (seed: number, count: number) => {
    const random = new Random(seed);
    const labels = ['ants', 'bees', 'cats'];
    return Array.from({ length: count }, (_, i) => {
      const label = labels[Math.floor(random.next() * labels.length)]!;
      const content = Math.floor(random.next() * (count / 3));
      const tail = (content * 37) % 256;
      const sha256 = `${(content % 4 === 0 ? 'ff' : '00').repeat(4)}${'7f'.repeat(24)}${tail.toString(16).padStart(2, '0')}${Math.floor(content / 256).toString(16).padStart(2, '0')}${'80'.repeat(2)}`;
      const relPath = `img_${i}.jpg`;
      return { path: `/data/${label}/${relPath}`, label, relPath, sha256, key: `${prefix}${sha256}`, cached: true };
    });
  };

  it('groups same-content copies across classes as the hex strings did', () => {
    for (const seed of [1, 2, 3]) {
      const objects = dataSet(seed, 1500);
      assert.equal(objects[0]!.sha256.length, 64);
      for (const [validation, testing] of [[10, 10], [30, 30], [0, 95]] as const) {
        const reference = assignSetsBefore(objects, validation, testing);
        const columns = assignSetIndices(ImageColumns.from(objects), validation, testing);
        const arrays = assignSetIndices(objects, validation, testing);
        assert.deepEqual(columns.notes, reference.notes);
        assert.deepEqual(arrays.notes, reference.notes);
        assert.ok(reference.notes.some((note) => note.includes('identical in several classes')));
        reference.assignments.forEach((a, i) => {
          assert.equal(['training', 'validation', 'testing'][columns.sets[i]!], a.set, a.path);
          assert.equal(arrays.sets[i], columns.sets[i], a.path);
        });
      }
    }
  });

  it('does not group hashes that share their first bytes, nor different stand-ins that are not hex', () => {
    const a = `${'ab'.repeat(30)}0001`;
    const b = `${'ab'.repeat(30)}0002`;
    // Class x: only a's copy and b; a's other copy (in y) is the one image of its class.
    const images = [
      { path: '/d/x/1.jpg', label: 'x', relPath: '1.jpg', sha256: a, cached: true },
      { path: '/d/x/2.jpg', label: 'x', relPath: '2.jpg', sha256: b, cached: true },
      { path: '/d/y/3.jpg', label: 'y', relPath: '3.jpg', sha256: a, cached: true },
    ];
    const { notes } = assignSetIndices(ImageColumns.from(images), 10, 10);
    assert.equal(notes.filter((note) => note.startsWith('identical image in several classes')).length, 1);
    assert.match(notes[0]!, /\(x, y\): \/d\/x\/1\.jpg, \/d\/y\/3\.jpg$/);
    const standIns = assignSetIndices([{ ...images[0]!, sha256: 'h1' }, { ...images[1]!, sha256: 'h2' }, { ...images[2]!, sha256: 'h1' }], 10, 10);
    assert.deepEqual(standIns.notes, notes);
  });

  it('gives the keys the hex strings gave, by the digests', async () => {
    const dir = await tempDir('retrain-digest-rows-');
    dirs.push(dir);
    const cache = RetrainCache.open(dir);
    const objects = dataSet(4, 1200);
    const labels = ['ants', 'bees', 'cats'];
    const columns = ImageColumns.from(objects);
    assert.equal(imagesKey(columns), imagesKey(objects));
    const { sets } = assignSetIndices(columns, 10, 20);
    const images = DatasetImages.fromColumns(labels, columns, sets, prefix, cache);
    const split = objects.map((o, i) => ({ ...o, set: images.set(i) }));
    for (const set of ['training', 'validation', 'testing'] as const) assert.equal(imageSetKey(images, set), imageSetKey(split, set));
    assert.equal(testSetKey(images), testSetKey(split));
    assert.equal(trainingDataKey(labels, images), trainingDataKey(labels, split));
    labels.forEach((label, c) => {
      assert.equal(images.classCounts('training')[c], split.filter((o) => o.label === label && o.set === 'training').length, label);
      assert.equal(images.classCounts()[c], split.filter((o) => o.label === label).length, label);
    });
    // The digest column is the columns' own (owned, not copied), and the rows read it in their order.
    assert.equal(images.digestColumn().buffer, columns.digestColumn().buffer);
    assert.equal(images.sha256(7), objects[7]!.sha256);
    await cache.close();
  });

  it('flips the cached flag of exactly the rows whose content was computed again', async () => {
    const dir = await tempDir('retrain-digest-rows-');
    dirs.push(dir);
    const cache = RetrainCache.open(dir);
    const objects = dataSet(5, 300);
    const columns = ImageColumns.from(objects);
    const images = DatasetImages.fromColumns(['ants', 'bees', 'cats'], columns, assignSetIndices(columns, 10, 10).sets, prefix, cache);
    const damaged = objects[11]!.sha256;
    const fresh = Float32Array.of(1, 2, 3);
    images.replaceVector(`${prefix}${damaged}`, () => fresh);
    // A variant's key is held as such and changes no image.
    images.replaceVector(`model:pre+aug:${objects[12]!.sha256}`, () => fresh);
    const copies = objects.flatMap((o, i) => (o.sha256 === damaged ? [i] : []));
    assert.ok(copies.length > 1, 'the damaged content has copies');
    objects.forEach((o, i) => {
      assert.equal(images.cached(i), o.sha256 !== damaged, o.path);
      if (o.sha256 === damaged) assert.deepEqual(images.vector(i), fresh);
    });
    assert.equal(images.countCached(), objects.length - copies.length);
    await cache.close();
  });

  it('gives the original bucket (the SHA-1 as an integer, mod 2^27) without a BigInt', () => {
    const max = (1n << 27n) - 1n;
    for (let i = 0; i < 2000; i++) {
      const key = `img_${i}_ü🐝.jpg`;
      const bucket = BigInt(`0x${createHash('sha1').update(key, 'utf8').digest('hex')}`) % (max + 1n);
      assert.equal(bucketPercent(key), Number(bucket) * (100 / Number(max)), key);
    }
  });

  it('reads an array of objects as rows, with a digest column', () => {
    const rows = rowsOf([{ path: '/a', label: 'l', relPath: 'a', sha256: 'ab'.repeat(32) }]);
    assert.equal(rows.count, 1);
    assert.deepEqual([rows.path(0), rows.label(0), rows.relPath(0), rows.sha256(0)], ['/a', 'l', 'a', 'ab'.repeat(32)]);
    assert.equal(Buffer.from(rows.digestColumn()).toString('hex'), 'ab'.repeat(32));
  });
});
