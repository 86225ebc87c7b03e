import { maskedCrc32c } from './crc32c.js';

/**
 * One TFRecord: uint64 length, masked CRC-32C of the length, the data, masked CRC-32C of the data
 * (all little-endian) — the framing of TensorBoard event files.
 */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** The records of a TFRecord file, each checked against both CRCs. Throws on any damage. */
export function readRecords(file: Uint8Array): Uint8Array[] {
  const records: Uint8Array[] = [];
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let offset = 0;
  while (offset < file.length) {
    if (offset + 12 > file.length) throw new Error(`truncated record header at byte ${offset}`);
    const length = Number(view.getBigUint64(offset, true));
    if (view.getUint32(offset + 8, true) !== maskedCrc32c(file.subarray(offset, offset + 8))) throw new Error(`bad length CRC at byte ${offset}`);
    const start = offset + 12;
    if (start + length + 4 > file.length) throw new Error(`truncated record at byte ${offset}`);
    const data = file.subarray(start, start + length);
    if (view.getUint32(start + length, true) !== maskedCrc32c(data)) throw new Error(`bad data CRC at byte ${offset}`);
    records.push(data);
    offset = start + length + 4;
  }
  return records;
}
