import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignSets } from '../../src/core/assign-sets.js';
import { Random } from '../../src/core/random.js';
import { assignSetsBefore } from '../helpers/assign-sets-before.js';

/**
 * assignSets keeps its content groups in typed columns (not an array, an object and map entries per image): every
 * assignment and every note must be what the per-object version gave, duplicates across classes, moves and
 * classes left out included.
 */
describe('assignSets in columns', () => {
  const dataSet = (seed: number, images: number, classes: number, distinct: number) => {
    const random = new Random(seed);
    return Array.from({ length: images }, (_, i) => {
      const label = `class_${Math.floor(random.next() * classes)}`;
      const relPath = random.next() < 0.1 ? `sub/img_${i}_nohash_${i % 3}.jpg` : `img_${i}.jpg`;
      return { path: `/data/${label}/${relPath}`, label, relPath, sha256: `sha-${Math.floor(random.next() * distinct)}` };
    });
  };

  it('gives the sets and notes the per-object version gave', () => {
    const cases: Array<[number, number, number, number]> = [
      // seed, images, classes, distinct contents (fewer: duplicates, in one class and across classes)
      [1, 2000, 7, 2000],
      [2, 2000, 7, 700],
      [3, 300, 60, 250],
      [4, 200, 50, 200],
      [5, 120, 40, 90],
      [6, 40, 30, 40],
    ];
    let notes = 0;
    for (const [seed, count, classes, distinct] of cases) {
      for (const [validation, testing] of [
        [10, 10],
        [0, 95],
        [30, 30],
        [0, 0],
      ] as const) {
        const images = dataSet(seed, count, classes, distinct);
        const now = assignSets(images, validation, testing);
        const before = assignSetsBefore(images, validation, testing);
        assert.deepEqual(now.assignments, before.assignments, `seed ${seed}, ${validation}% / ${testing}%`);
        assert.deepEqual(now.notes, before.notes, `seed ${seed}, ${validation}% / ${testing}%`);
        notes += now.notes.length;
      }
    }
    assert.ok(notes > 20, `the cases say things (${notes} notes)`);
  });
});
