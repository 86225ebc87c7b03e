import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSnapshot } from '../../src/config/config-snapshot.js';

/** onError as load-config uses it: it throws, naming the property. */
function fail(error: unknown, at: string): never {
  throw new Error(`${at}: ${(error as Error).message}`);
}

describe('configSnapshot', () => {
  it('refuses an object that contains itself, naming the property, instead of overflowing the stack', () => {
    const train: Record<string, unknown> = { steps: 10 };
    train.self = train;
    assert.throws(() => configSnapshot({ imageDir: 'images', train }, fail), (error: Error) => {
      assert.doesNotMatch(error.message, /call stack/);
      assert.match(error.message, /^train\.self: /);
      return true;
    });
  });

  it('copies an object that is used twice but does not contain itself', () => {
    const shared = { steps: 10 };
    const copy = configSnapshot({ train: shared, experiments: [{ train: shared }] }, fail) as { train: object; experiments: Array<{ train: object }> };
    assert.deepEqual(copy, { train: { steps: 10 }, experiments: [{ train: { steps: 10 } }] });
    assert.notEqual(copy.train, shared);
  });
});
