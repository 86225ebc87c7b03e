import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sayMoved } from '../../src/app/moved-images.js';

describe("watch's bottleneck reason when images were moved (sayMoved)", () => {
  const stale = (reasons: string[]) => [{ stage: 'scan', upToDate: false, reasons: ['25 new files; 25 removed files'] }, { stage: 'bottleneck', upToDate: false, reasons }];

  it('says moved images as moved, and new ones as new', () => {
    assert.deepEqual(sayMoved(stale(['25 new images']), 25)[1]!.reasons, ['25 images moved or renamed (their vectors are cached)']);
    assert.deepEqual(sayMoved(stale(['26 new images, 2 changed']), 25)[1]!.reasons, ['1 new image, 25 moved or renamed (their vectors are cached), 2 changed']);
    assert.deepEqual(sayMoved(stale(['25 new images']), 0)[1]!.reasons, ['25 new images']);
    // Other stages are the status's own.
    assert.deepEqual(sayMoved(stale(['25 new images']), 25)[0], stale([])[0]);
  });

  it('does not say the vectors are cached when something else makes the stage compute them again', () => {
    assert.deepEqual(sayMoved(stale(['model a → b', '3 new images']), 3)[1]!.reasons, ['model a → b', '3 images moved or renamed']);
  });
});
