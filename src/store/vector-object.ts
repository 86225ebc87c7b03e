import { createHash } from 'node:crypto';
import { REMOTE_OBJECT_MAGIC } from './keys.js';

/**
 * The stored form of one value in the remote cache. Self-verifying: a header line names the cache key the
 * value belongs to and the SHA-256 of its payload, so an object that was truncated, altered, or written under
 * the wrong name is recognised on read.
 *
 *   retrain-object 1 <sha256 of payload, hex> <payload bytes> <cache key>\n<payload>
 */
const MAGIC = REMOTE_OBJECT_MAGIC;

export function encodeObject(key: string, payload: Uint8Array): Buffer {
  const digest = createHash('sha256').update(payload).digest('hex');
  return Buffer.concat([Buffer.from(`${MAGIC} ${digest} ${payload.byteLength} ${key}\n`), payload]);
}

/** The payload, or why the object is not a whole, untouched value of `key`. */
export function decodeObject(key: string, bytes: Uint8Array): { payload: Uint8Array } | { problem: string } {
  const newline = bytes.indexOf(0x0a);
  if (newline < 0 || newline > 4096) return { problem: 'no header' };
  const header = Buffer.from(bytes.subarray(0, newline)).toString('utf8');
  if (!header.startsWith(`${MAGIC} `)) return { problem: 'unknown format' };
  const [digest, length, ...rest] = header.slice(MAGIC.length + 1).split(' ');
  if (rest.join(' ') !== key) return { problem: `it holds the value of another key (${rest.join(' ')})` };
  const payload = bytes.subarray(newline + 1);
  if (payload.byteLength !== Number(length)) return { problem: `${payload.byteLength} bytes instead of ${length}` };
  if (createHash('sha256').update(payload).digest('hex') !== digest) return { problem: 'its content does not match its digest' };
  return { payload };
}

