import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32c } from '../src/report/crc32c.js';
import { histogramOf } from '../src/core/histogram.js';
import { eventFile } from '../src/report/tensorboard-events.js';
import { readRecords } from '../src/report/tfrecord.js';
import { decodeEvents } from './helpers/tensorboard.js';

describe('TensorBoard event files', () => {
  it('CRC-32C matches the standard check value', () => {
    assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  });

  it('round-trips scalars and histograms through TFRecord framing and protobuf', () => {
    const histogram = histogramOf('final_training_ops/weights', 10, [-1, 0, 0.5, 2]);
    const file = eventFile(1_700_000_000.5, [{ step: 10, tag: 'accuracy', value: 0.75 }, { step: 20, tag: 'cross_entropy', value: 0.125 }], [histogram]);
    const events = decodeEvents(file);
    assert.deepEqual(events[0], { wallTime: 1_700_000_000.5, version: 'brain.Event:2' });
    assert.deepEqual(events.slice(1, 3).map((e) => [('step' in e && e.step), 'tag' in e && e.tag, 'simple' in e && e.simple]), [
      [10, 'accuracy', 0.75],
      [20, 'cross_entropy', 0.125],
    ]);
    const histo = events[3] as { tag: string; histo: Array<{ field: number; value: unknown }> };
    assert.equal(histo.tag, 'final_training_ops/weights');
    const field = (n: number) => histo.histo.find((f) => f.field === n)!.value;
    assert.deepEqual([field(1), field(2), field(3), field(4)], [-1, 2, 4, 1.5]);
    const counts = new Float64Array((field(7) as Uint8Array).slice().buffer);
    assert.equal(counts.reduce((a, b) => a + b, 0), 4);
  });

  it('detects a damaged record', () => {
    const file = eventFile(1, [{ step: 1, tag: 'accuracy', value: 1 }]);
    file[file.length - 6]! ^= 0xff;
    assert.throws(() => readRecords(file), /bad data CRC/);
  });
});
