import { createHash } from 'node:crypto';

/** SHA-256 of a byte buffer as lowercase hex: the identity of an image's content. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * sha256Hex(before + parts.map(each).join(separator) + after), without making that string: the keys of a
 * million-image data set hash 100 MB and more of text, which the joined string held a second time.
 */
export function sha256HexJoined(parts: readonly string[], separator: string, before = '', after = '', each: (part: string) => string = (part) => part): string {
  return sha256HexOfParts(parts.length, (i) => each(parts[i]!), separator, before, after);
}

/** sha256HexJoined of the parts part(0) … part(count - 1), each made when it is hashed. */
export function sha256HexOfParts(count: number, part: (index: number) => string, separator: string, before = '', after = ''): string {
  const hash = createHash('sha256');
  let pending = before;
  for (let i = 0; i < count; i++) {
    pending += i === 0 ? part(i) : separator + part(i);
    if (pending.length >= 1 << 16) {
      hash.update(pending);
      pending = '';
    }
  }
  return hash.update(pending + after).digest('hex');
}

/** sha256Hex of the strings `parts` yields, joined with nothing, without making the joined string. */
export function sha256HexOfStrings(parts: Iterable<string>): string {
  const hash = createHash('sha256');
  let pending = '';
  for (const part of parts) {
    pending += part;
    if (pending.length >= 1 << 16) {
      hash.update(pending);
      pending = '';
    }
  }
  return hash.update(pending).digest('hex');
}

/** Whether `text` is a SHA-256 as this project writes it: 64 lower-case hex digits. */
export function isSha256Hex(text: string): boolean {
  return SHA256_HEX.test(text);
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
