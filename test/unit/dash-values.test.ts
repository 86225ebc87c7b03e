import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joinDashValues } from '../../src/cli/dash-values.js';

// A trial's `retrain build --shard -1/2` said "Unknown argument: 1": yargs read -1/2 as the short flags -1, -/, -2.
describe('a dash-and-digit word after a flag (joinDashValues)', () => {
  it('becomes the value of the flag before it', () => {
    assert.deepEqual(joinDashValues(['build', '--shard', '-1/2']), ['build', '--shard=-1/2']);
    assert.deepEqual(joinDashValues(['build', '--shard', '-0/2', '--json']), ['build', '--shard=-0/2', '--json']);
  });

  it('leaves plain negative numbers (yargs takes them as values), words after --, and values given with =', () => {
    for (const words of [
      ['build', '--steps', '-5'],
      ['build', '--learning-rate', '-0.5'],
      ['build', '--shard=-1/2'],
      ['predict', '--', '--top', '-1/2.jpg'],
      ['build', '-h'],
      ['predict', '-1/2.jpg'],
    ]) {
      assert.deepEqual(joinDashValues(words), words);
    }
  });
});
