import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignSets } from '../src/split/assign-sets.js';
import { bucketPercent, setForPercent, splitKey } from '../src/split/original-split.js';

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
    const make = (root: string) => [{ path: `${root}/a/x3.jpg`, label: 'a', relPath: 'x3.jpg', sha256: 'h' }];
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
});
