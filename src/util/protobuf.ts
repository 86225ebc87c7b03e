/**
 * The few protobuf wire-format pieces this tool writes (TensorBoard events, ONNX models): varints, 64-bit
 * doubles, 32-bit floats, length-delimited fields. Writes only; tests read back with the matching decoder.
 */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];

  private tag(field: number, wireType: number) {
    this.varint((field << 3) | wireType);
  }

  private varint(value: number | bigint) {
    let v = BigInt(value);
    if (v < 0n) v += 1n << 64n;
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v > 0n);
    this.parts.push(Uint8Array.from(bytes));
  }

  int64(field: number, value: number): this {
    this.tag(field, 0);
    this.varint(Math.trunc(value));
    return this;
  }

  double(field: number, value: number): this {
    this.tag(field, 1);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    this.parts.push(bytes);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.parts.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(value.length);
    this.parts.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (writer: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated double field. */
  packedDoubles(field: number, values: readonly number[]): this {
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setFloat64(i * 8, v, true));
    return this.bytes(field, bytes);
  }

  finish(): Uint8Array {
    const total = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
}

export type ProtoField = { field: number; wireType: number; value: bigint | Uint8Array | number };

/** Splits a message into its fields (varint as bigint, fixed64 as double, fixed32 as float, bytes). */
export function readFields(bytes: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = bytes[offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return result;
      shift += 7n;
    }
  };
  while (offset < bytes.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wireType = key & 7;
    if (wireType === 0) fields.push({ field, wireType, value: varint() });
    else if (wireType === 1) {
      fields.push({ field, wireType, value: view.getFloat64(offset, true) });
      offset += 8;
    } else if (wireType === 5) {
      fields.push({ field, wireType, value: view.getFloat32(offset, true) });
      offset += 4;
    } else if (wireType === 2) {
      const length = Number(varint());
      fields.push({ field, wireType, value: bytes.subarray(offset, offset + length) });
      offset += length;
    } else throw new Error(`unsupported wire type ${wireType}`);
  }
  return fields;
}
