import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScannedImages } from '../../src/images/scanned-images.js';
import { ImageColumns } from '../../src/pipeline/image-columns.js';
import { comparePaths, rowsInPathOrder } from '../../src/pipeline/path-order.js';
import { sha256Hex } from '../../src/util/content-hash.js';

/**
 * The stage record is written in path order. A data set in canonical order (label, content) is sorted back by the
 * scan's row numbers when the scan listed its images in path order (numbers compared, not paths made per
 * comparison), else by the paths: both give the order the strings give.
 */
describe('rows in path order', () => {
  const names = ['a.jpg', 'a b.jpg', 'a.jpg.jpg', 'B.jpg', 'ü.jpg', '🐝.jpg', '\uff21.jpg', 'z/1.jpg', 'z/10.jpg', 'z/2.jpg'];
  const files = ['ants', 'bees', 'bees2'].flatMap((label) => names.map((relPath) => ({ path: `/data/${label}/${relPath}`, label, relPath })));

  const columnsOf = (listed: typeof files) => {
    const scanned = ScannedImages.from(listed);
    const columns = new ImageColumns();
    // Appended in the order workers might finish in, then put in the canonical order.
    const rows = listed.map((_, row) => row).sort((a, b) => ((a * 7) % listed.length) - ((b * 7) % listed.length));
    for (const row of rows) columns.add({ images: scanned, row, sha256: sha256Hex(`content ${row % 5}`), size: 1, mtimeMs: 1 }, true);
    return { scanned, columns: columns.inCanonicalOrder() };
  };
  const byStrings = (columns: ImageColumns) => Array.from({ length: columns.count }, (_, i) => columns.path(i)).sort(comparePaths);

  it('uses the scan rows when the scan was in path order', () => {
    const { scanned, columns } = columnsOf([...files].sort((a, b) => comparePaths(a.path, b.path)));
    assert.equal(scanned.pathOrdered, true);
    assert.notEqual(columns.pathRank(0), undefined);
    assert.deepEqual([...rowsInPathOrder(scanned)].map((i) => scanned.path(i)), [...scanned].map((f) => f.path).sort(comparePaths));
    assert.deepEqual([...rowsInPathOrder(columns)].map((i) => columns.path(i)), byStrings(columns));
  });

  it('compares paths when it was not', () => {
    const { scanned, columns } = columnsOf([...files].reverse());
    assert.equal(scanned.pathOrdered, false);
    assert.equal(columns.pathRank(0), undefined);
    assert.deepEqual([...rowsInPathOrder(scanned)].map((i) => scanned.path(i)), [...scanned].map((f) => f.path).sort(comparePaths));
    assert.deepEqual([...rowsInPathOrder(columns)].map((i) => columns.path(i)), byStrings(columns));
  });
});
