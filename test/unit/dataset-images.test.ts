import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { assignSets, assignSetIndices } from '../../src/core/assign-sets.js';
import { Random } from '../../src/core/random.js';
import { DatasetImages } from '../../src/pipeline/dataset-images.js';
import { ImageColumns } from '../../src/pipeline/image-columns.js';
import { RetrainCache } from '../../src/store/retrain-cache.js';
import { imageSetKey, imagesKey, trainingDataKey } from '../../src/store/keys.js';
import { sha256Hex } from '../../src/util/content-hash.js';
import { tempDir } from '../helpers/shared.js';

/**
 * A build's split data set is held as columns (DatasetImages), not an object per image: every field, key and
 * vector must be what the objects gave, or the stage keys, the record and the trained head would change.
 */
describe('data set as columns', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
  const prefix = 'model:pre:';

  it('gives the fields, keys and vectors the per-image objects gave', async () => {
    const dir = await tempDir('retrain-dataset-images-');
    dirs.push(dir);
    const cache = RetrainCache.open(dir);
    const random = new Random(7);
    const labels = ['ants', 'bees "b"', 'ünï 🐝'];
    const objects = Array.from({ length: 3000 }, (_, i) => {
      const label = labels[Math.floor(random.next() * labels.length)]!;
      const relPath = i % 9 === 0 ? `sub/q"${i}.jpg` : `img_${i}.jpg`;
      // Duplicate contents (one vector each), in one class and across classes.
      const content = Math.floor(random.next() * 2500);
      const sha256 = sha256Hex(String(content));
      const vector = Float32Array.of(content, -content, content / 7);
      // Every third image's vector is in the local cache (read by key), the others are held.
      const local = i % 3 === 0;
      if (local) void cache.putBottleneck(`${prefix}${sha256}`, vector);
      return { path: `/data/${label}/${relPath}`, label, relPath, sha256, key: `${prefix}${sha256}`, vector: local ? undefined : () => vector, expected: vector, cached: i % 5 !== 0 };
    });
    await cache.flushed();
    const { assignments } = assignSets(objects, 10, 20);
    const { sets } = assignSetIndices(objects, 10, 20);
    const columns = DatasetImages.fromColumns(labels, ImageColumns.from(objects), sets, prefix, cache);

    assert.equal(columns.count, objects.length);
    objects.forEach((image, i) => {
      assert.deepEqual(
        [columns.path(i), columns.relPath(i), columns.label(i), columns.sha256(i), columns.key(i), columns.set(i), columns.cached(i)],
        [image.path, image.relPath, image.label, image.sha256, image.key, assignments[i]!.set, image.cached],
      );
      assert.deepEqual(columns.vector(i), image.expected);
    });
    assert.equal(imagesKey(columns), imagesKey(objects));
    for (const set of ['training', 'validation', 'testing'] as const) assert.equal(imageSetKey(columns, set), imageSetKey(assignments, set));
    assert.equal(trainingDataKey(labels, columns), trainingDataKey(labels, assignments));
    for (const set of ['training', 'validation', 'testing'] as const) {
      assert.equal(columns.countIn(set), assignments.filter((a) => a.set === set).length);
      assert.deepEqual([...columns.indicesIn(set)], assignments.flatMap((a, i) => (a.set === set ? [i] : [])));
    }

    // With distorted variants (training images): the training data's key counts them.
    const withVariants = assignments.map((a, i) => (a.set === 'training' && i % 4 === 0 ? { ...a, variants: [{ key: `v1:${a.sha256}` }, { key: `v2:${a.sha256}` }] } : a));
    withVariants.forEach((image, i) => {
      if ('variants' in image) columns.setVariants(i, image.variants.map(({ key }) => ({ key, augment: { scale: 1, offsetX: 0, offsetY: 0, flip: true, brightness: 1 } })), new Map());
    });
    assert.equal(trainingDataKey(labels, columns), trainingDataKey(labels, withVariants));
    assert.notEqual(trainingDataKey(labels, columns), trainingDataKey(labels, assignments));
    await cache.close();
  });

  it('refuses a content hash that is not a SHA-256', async () => {
    const dir = await tempDir('retrain-dataset-images-');
    dirs.push(dir);
    const cache = RetrainCache.open(dir);
    const image = { path: '/data/a/x.jpg', label: 'a', relPath: 'x.jpg', sha256: 'not-hex', cached: true };
    assert.throws(() => DatasetImages.fromColumns(['a'], ImageColumns.from([image]), new Uint8Array(1), prefix, cache), /x\.jpg: content hash not-hex/);
    await cache.close();
  });
});
