import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstValueFrom, from, Subject, toArray } from 'rxjs';
import { batchByImage } from '../src/engine/batch-by-image.js';

const shapes = (batches: string[][]) => batches.map((b) => b.join(''));

describe('batchByImage', () => {
  it('cuts plain images into batches of the given size', async () => {
    const batches = await firstValueFrom(from([...'abcdefghij']).pipe(batchByImage((x) => x, 4, 1000), toArray()));
    assert.deepEqual(shapes(batches), ['abcd', 'efgh', 'ij']);
  });

  it('keeps the variants of one image together, however many', async () => {
    const items = [...'aaaaabbbbbcc'];
    const batches = await firstValueFrom(from(items).pipe(batchByImage((x) => x, 4, 1000), toArray()));
    assert.deepEqual(shapes(batches), ['aaaaa', 'bbbbb', 'cc']);
    // Small images share a batch up to the size.
    const mixed = await firstValueFrom(from([...'aabbccdd']).pipe(batchByImage((x) => x, 4, 1000), toArray()));
    assert.deepEqual(shapes(mixed), ['aabb', 'ccdd']);
  });

  it('sends a full batch without waiting, and a partial one when the window ends', async () => {
    const input = new Subject<string>();
    const seen: Array<{ batch: string; at: number }> = [];
    let second: () => void = () => {};
    const secondArrived = new Promise<void>((resolve) => (second = resolve));
    input.pipe(batchByImage((x) => x, 3, 300)).subscribe((b) => {
      seen.push({ batch: b.join(''), at: performance.now() });
      if (seen.length === 2) second();
    });
    for (const x of 'abc') input.next(x);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen.map((s) => s.batch), ['abc'], 'the full batch left at once');
    const partialAt = performance.now();
    input.next('d');
    await new Promise((r) => setImmediate(r));
    assert.equal(seen.length, 1, 'a partial batch waits for more');
    await secondArrived;
    assert.equal(seen[1]!.batch, 'd');
    assert.ok(seen[1]!.at - partialAt >= 250, 'it left when the window ended, not before');
    input.complete();
  });
});
