import { sameDigest } from './image-rows.js';

/** Rows grouped by content hash: each row's group (-1 for a row left out), numbered in the order of their first row. */
export interface DigestGroups {
  count: number;
  groupOf: Int32Array;
  /** Each group's first row. */
  first: Int32Array;
}

/**
 * Groups rows `0 … rows - 1` of a digest column (32 bytes a row) by their bytes, those `keep` keeps: an
 * open-addressed table of group numbers over the groups' first rows, its slot from a hash's first four bytes (which
 * are uniform). A million-image build made a 64-character hex string (or a key) per image and a map or set keyed by
 * them to do this (some 100 MB promoted to the old heap).
 */
export function groupDigests(digests: Uint8Array, rows: number, keep?: (i: number) => boolean): DigestGroups {
  const groupOf = new Int32Array(rows).fill(-1);
  const first = new Int32Array(rows);
  let count = 0;
  let size = 16;
  while (size < 2 * rows) size *= 2;
  const mask = size - 1;
  const slots = new Int32Array(size).fill(-1);
  for (let i = 0; i < rows; i++) {
    if (keep && !keep(i)) continue;
    const o = 32 * i;
    let slot = ((digests[o]! << 24) | (digests[o + 1]! << 16) | (digests[o + 2]! << 8) | digests[o + 3]!) & mask;
    let known = slots[slot]!;
    while (known !== -1 && !sameDigest(digests, first[known]!, i)) {
      slot = (slot + 1) & mask;
      known = slots[slot]!;
    }
    if (known === -1) {
      known = slots[slot] = count;
      first[count++] = i;
    }
    groupOf[i] = known;
  }
  return { count, groupOf, first: first.slice(0, count) };
}
