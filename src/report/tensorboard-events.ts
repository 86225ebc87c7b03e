import type { HistogramSummary } from '../core/histogram.js';
import { ProtoWriter } from '../util/protobuf.js';
import { frameRecord } from './tfrecord.js';

export interface ScalarSummary {
  step: number;
  tag: string;
  value: number;
}

/**
 * A TensorBoard event file (`events.out.tfevents.*`): a `brain.Event:2` version record, then one Event per
 * scalar or histogram, each a TFRecord with masked CRC-32C. Readable by `tensorboard --logdir`.
 */
export function eventFile(wallTime: number, scalars: readonly ScalarSummary[], histograms: readonly HistogramSummary[] = []): Uint8Array {
  const records = [frameRecord(new ProtoWriter().double(1, wallTime).string(3, 'brain.Event:2').finish())];
  for (const s of scalars) {
    records.push(frameRecord(event(wallTime, s.step, (value) => value.string(1, s.tag).float(2, s.value))));
  }
  for (const h of histograms) {
    records.push(
      frameRecord(
        event(wallTime, h.step, (value) =>
          value.string(1, h.tag).message(5, (histo) =>
            histo
              .double(1, h.min)
              .double(2, h.max)
              .double(3, h.num)
              .double(4, h.sum)
              .double(5, h.sumSquares)
              .packedDoubles(6, h.bucketLimits)
              .packedDoubles(7, h.bucketCounts),
          ),
        ),
      ),
    );
  }
  const out = new Uint8Array(records.reduce((n, r) => n + r.length, 0));
  let offset = 0;
  for (const r of records) {
    out.set(r, offset);
    offset += r.length;
  }
  return out;
}

/** Event { wall_time = 1; step = 2; summary = 5 { value = 1 { … } } } */
function event(wallTime: number, step: number, fillValue: (value: ProtoWriter) => void): Uint8Array {
  return new ProtoWriter()
    .double(1, wallTime)
    .int64(2, step)
    .message(5, (summary) => summary.message(1, fillValue))
    .finish();
}

/** The file name TensorBoard looks for. */
export function eventFileName(wallTime: number): string {
  return `events.out.tfevents.${Math.floor(wallTime)}.retrain`;
}
