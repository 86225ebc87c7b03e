import { createHash } from 'node:crypto';

/** SHA-256 of a byte buffer as lowercase hex: the identity of an image's content. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
