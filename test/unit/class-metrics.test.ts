import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classMetrics, formatConfusion } from '../../src/core/class-metrics.js';

describe('class metrics', () => {
  // confusion[true][predicted]: 8 ants (6 right, 2 taken for bees), 4 bees (3 right, 1 taken for an ant).
  const confusion = [
    [6, 2],
    [1, 3],
  ];

  it('computes precision, recall and support per class', () => {
    const [ants, bees] = classMetrics(confusion, ['ants', 'bees']);
    assert.deepEqual(ants, { label: 'ants', support: 8, precision: 6 / 7, recall: 6 / 8 });
    assert.deepEqual(bees, { label: 'bees', support: 4, precision: 3 / 5, recall: 3 / 4 });
  });

  it('gives NaN, not 0 or a crash, for a class never predicted or never present', () => {
    const [never, absent] = classMetrics(
      [
        [0, 5],
        [0, 0],
      ],
      ['never-predicted', 'absent'],
    );
    assert.ok(Number.isNaN(never!.precision));
    assert.equal(never!.recall, 0);
    assert.ok(Number.isNaN(absent!.recall));
    assert.equal(absent!.precision, 0);
  });

  it('formats the matrix as aligned rows, true label down and predicted across', () => {
    const rows = formatConfusion(confusion, ['ants', 'bees']);
    assert.equal(rows.length, 3);
    assert.equal(new Set(rows.map((r) => r.length)).size, 1, 'all rows have one width');
    assert.match(rows[1]!, /ants\s+6\s+2$/);
    assert.match(rows[2]!, /bees\s+1\s+3$/);
  });
});
