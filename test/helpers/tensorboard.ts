import { readFields } from '../../src/util/protobuf.js';
import { readRecords } from '../../src/report/tfrecord.js';

/** Decodes the Events of an event file: version, or (step, tag, simple value or histogram fields). */
export function decodeEvents(file: Uint8Array) {
  return readRecords(file).map((record) => {
    const fields = readFields(record);
    const get = (n: number) => fields.find((f) => f.field === n)?.value;
    const summary = get(5) as Uint8Array | undefined;
    if (!summary) return { wallTime: get(1) as number, version: new TextDecoder().decode(get(3) as Uint8Array) };
    const value = readFields(readFields(summary)[0]!.value as Uint8Array);
    const tag = new TextDecoder().decode(value.find((f) => f.field === 1)!.value as Uint8Array);
    const simple = value.find((f) => f.field === 2)?.value as number | undefined;
    const histo = value.find((f) => f.field === 5)?.value as Uint8Array | undefined;
    return { step: Number(get(2)), tag, simple, histo: histo && readFields(histo) };
  });
}
