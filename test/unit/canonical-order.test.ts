import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inCanonicalOrder } from '../helpers/canonical-order.js';
import type { ImageWithVector } from '../../src/pipeline/dataset.js';

const image = (label: string, sha256: string, relPath: string): ImageWithVector =>
  ({ label, sha256, relPath, path: `/data/${label}/${relPath}`, key: `k-${sha256}`, vector: () => new Float32Array(1), cached: true }) as unknown as ImageWithVector;

describe('the build\'s canonical order', () => {
  it('sorts by label, then content', () => {
    const sorted = inCanonicalOrder([image('b', '1', 'x.jpg'), image('a', '2', 'y.jpg'), image('a', '1', 'z.jpg'), image('ab', '0', 'w.jpg')]);
    assert.deepEqual(sorted.map((i) => `${i.label}/${i.sha256}`), ['a/1', 'a/2', 'ab/0', 'b/1']);
  });

  // Before: images of one class with the same content kept the order the workers finished in, so a split note
  // could name a different one of them from one build to the next.
  it('puts same-class copies of one content in path order, whatever order they came in', () => {
    const copies = [image('a', 'f', 'c.jpg'), image('a', 'f', 'a.jpg'), image('a', 'f', 'b.jpg')];
    const orders = [copies, [...copies].reverse(), [copies[1]!, copies[2]!, copies[0]!]];
    for (const order of orders) assert.deepEqual(inCanonicalOrder([...order]).map((i) => i.relPath), ['a.jpg', 'b.jpg', 'c.jpg']);
  });
});
