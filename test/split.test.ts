import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignSets } from '../src/core/assign-sets.js';
import { bucketPercent, setForPercent, splitKey } from '../src/core/original-split.js';

describe('split', () => {
  it('matches retrain.py on known names (values computed with its formula in Python)', () => {
    const golden: Array<[string, number]> = [
      ['0013035.jpg', 96.68291581185844],
      ['1030023514_aad5c608f9.jpg', 29.541448723833625],
      ['leaf', 94.49993740394665],
      ['12345.png', 98.49370269845204],
      ['ünïcode name.jpg', 63.20669027571894],
    ];
    for (const [name, expected] of golden) assert.ok(Math.abs(bucketPercent(name) - expected) < 1e-9, name);
    assert.equal(setForPercent(29.5, 10, 10), 'training');
    assert.equal(setForPercent(5, 10, 10), 'validation');
    assert.equal(setForPercent(15, 10, 10), 'testing');
  });

  it('ignores everything from _nohash_ on', () => {
    assert.equal(splitKey('leaf_nohash_1.jpg'), 'leaf');
    assert.equal(bucketPercent(splitKey('leaf_nohash_1.jpg')), bucketPercent(splitKey('leaf_nohash_2.jpg')));
  });

  it('puts identical content under different names into one set', () => {
    const images = Array.from({ length: 200 }, (_, i) => ({
      path: `/d/a/img${i}.jpg`,
      label: 'a',
      relPath: `img${i}.jpg`,
      sha256: i % 2 === 0 ? 'same-content' : `unique-${i}`,
    }));
    const { assignments } = assignSets(images, 10, 10);
    const sets = new Set(assignments.filter((a) => a.sha256 === 'same-content').map((a) => a.set));
    assert.equal(sets.size, 1);
  });

  it('does not depend on how the image folder was typed (hashes the name inside the class folder)', () => {
    // Hashed as typed, "/abs/images/a/x3.jpg" would land in training and "images/a/x3.jpg" in validation.
    assert.equal(setForPercent(bucketPercent('/abs/images/a/x3.jpg'), 10, 10), 'training');
    assert.equal(setForPercent(bucketPercent('x3.jpg'), 10, 10), 'validation');
    // With a second image, in training by hash (a class's only image always goes to training).
    const make = (root: string) => [
      { path: `${root}/a/x3.jpg`, label: 'a', relPath: 'x3.jpg', sha256: 'h' },
      { path: `${root}/a/1030023514_aad5c608f9.jpg`, label: 'a', relPath: '1030023514_aad5c608f9.jpg', sha256: 'h2' },
    ];
    assert.equal(assignSets(make('/abs/images'), 10, 10).assignments[0]!.set, 'validation');
    assert.equal(assignSets(make('images'), 10, 10).assignments[0]!.set, 'validation');
  });

  it('lends a training image to an empty validation or test set of a small class, and says so', () => {
    const images = ['b0.jpg', 'b1.jpg', 'b2.jpg', 'b3.jpg'].map((name) => ({ path: `/d/b/${name}`, label: 'b', relPath: name, sha256: name }));
    const natural = images.map((i) => setForPercent(bucketPercent(i.relPath), 10, 10));
    assert.ok(natural.every((s) => s === 'training'), 'fixture: all four fall in training by hash');
    const { assignments, notes } = assignSets(images, 10, 10);
    assert.equal(assignments.filter((a) => a.set === 'validation').length, 1);
    assert.equal(assignments.filter((a) => a.set === 'testing').length, 1);
    assert.equal(assignments.filter((a) => a.set === 'training').length, 2);
    assert.equal(notes.length, 2);
    assert.match(notes[0]!, /class "b": no validation image/);
  });

  it('is stable: adding images never moves existing ones', () => {
    const make = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `/d/a/${i}.jpg`, label: 'a', relPath: `${i}.jpg`, sha256: `${i}` }));
    const before = assignSets(make(100), 10, 10).assignments;
    const after = assignSets(make(150), 10, 10).assignments;
    for (const a of before) assert.equal(after.find((b) => b.path === a.path)!.set, a.set);
  });

  it('hashes sub/name for files in sub-folders, the bare name (as before) for files in the class folder', () => {
    assert.equal(splitKey('sub/leaf_nohash_1.jpg'), 'sub/leaf');
    assert.equal(splitKey('a_nohash_b/leaf.jpg'), 'a_nohash_b/leaf.jpg', '_nohash_ counts in the file name only');
    assert.equal(splitKey('leaf_nohash_1.jpg'), 'leaf');
    const filler = { path: '/d/a/1030023514_aad5c608f9.jpg', label: 'a', relPath: '1030023514_aad5c608f9.jpg', sha256: 'f' };
    const flat = { path: '/d/a/x3.jpg', label: 'a', relPath: 'x3.jpg', sha256: 'h1' };
    const nested = { path: '/d/a/s/x3.jpg', label: 'a', relPath: 's/x3.jpg', sha256: 'h2' };
    // x3.jpg falls in validation (as before); s/x3.jpg, hashed with its sub-folder, in training.
    assert.equal(assignSets([flat, filler], 10, 10).assignments[0]!.set, 'validation');
    assert.equal(setForPercent(bucketPercent('s/x3.jpg'), 10, 10), 'training');
    assert.equal(assignSets([nested, filler], 10, 10).assignments[0]!.set, 'training');
  });

  it('never leaves a class with no training image (95% testing, 0% validation): one image moves to training', () => {
    const make = (label: string, n: number) => Array.from({ length: n }, (_, i) => ({ path: `/d/${label}/${i}.jpg`, label, relPath: `${label}${i}.jpg`, sha256: `${label}${i}` }));
    const images = [...make('few', 3), ...make('many', 200)];
    const natural = images.filter((i) => i.label === 'few').map((i) => setForPercent(bucketPercent(i.relPath), 0, 95));
    assert.ok(!natural.includes('training'), `fixture: no training image by hash (${natural})`);
    const { assignments, notes } = assignSets(images, 0, 95);
    for (const label of ['few', 'many']) {
      assert.ok(assignments.some((a) => a.label === label && a.set === 'training'), label);
    }
    assert.equal(assignments.filter((a) => a.label === 'few' && a.set === 'training').length, 1);
    assert.match(notes.join('\n'), /class "few": no training image at 95% testing \+ 0% validation, moved few\d\.jpg from testing/);
    // The image moved is the one closest to the training boundary: a stable choice.
    const moved = assignments.find((a) => a.label === 'few' && a.set === 'training')!;
    const highest = images.filter((i) => i.label === 'few').sort((a, b) => bucketPercent(b.relPath) - bucketPercent(a.relPath))[0]!;
    assert.equal(moved.relPath, highest.relPath);
  });

  it('says each kind of move in one line for all classes (50 classes × 2 images)', () => {
    const images = Array.from({ length: 100 }, (_, i) => ({ path: `/d/c${i >> 1}/${i}.jpg`, label: `c${String(i >> 1).padStart(2, '0')}`, relPath: `${i}.jpg`, sha256: `${i}` }));
    const { notes } = assignSets(images, 10, 10);
    assert.ok(notes.length <= 5, notes.join('\n'));
    assert.ok(notes.every((n) => n.length < 400), notes.join('\n'));
    const duplicated = images.slice(0, 8).map((image, i) => ({ ...image, path: `/d/other/${i}.jpg`, label: 'other' }));
    const withDuplicates = assignSets([...images, ...duplicated], 10, 10).notes;
    assert.equal(withDuplicates.filter((n) => /identical/.test(n)).length, 1, withDuplicates.join('\n'));
    assert.match(withDuplicates.join('\n'), /8 images are identical in several classes: \/d\/c0\/0\.jpg = \/d\/other\/0\.jpg, /);
    assert.ok(notes.some((n) => /^\d+ classes have no testing image and too few training images to lend one; they are left out of testing: c\d\d, /.test(n)), notes.join('\n'));
  });
});
