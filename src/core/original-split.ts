import { createHash } from 'node:crypto';

export type SplitName = 'training' | 'validation' | 'testing';

/** retrain.py's MAX_NUM_IMAGES_PER_CLASS = 2^27 - 1. */
const MAX = 2 ** 27 - 1;
const MASK = MAX;

/**
 * The part of a name that the split hashes: the path inside the class folder, with everything from
 * `_nohash_` on in the file name ignored. A file directly in its class folder hashes its name, as in the
 * original; one in a sub-folder hashes `sub/name`, so same-named files of different sub-folders split
 * independently.
 */
export function splitKey(relPath: string): string {
  const slash = relPath.lastIndexOf('/');
  return relPath.slice(0, slash + 1) + relPath.slice(slash + 1).replace(/_nohash_.*$/s, '');
}

/**
 * retrain.py's stable bucket: SHA-1 of the key as an integer, mod 2^27, scaled to [0, 100].
 * The same key always lands in the same place, so adding images never moves old ones between sets.
 */
export function bucketPercent(key: string): number {
  // The integer mod 2^27 is its last 27 bits: of the digest's last four bytes (not a hex string and a BigInt per image).
  const bucket = createHash('sha1').update(key, 'utf8').digest().readUInt32BE(16) & MASK;
  return bucket * (100 / MAX);
}

export function setForPercent(p: number, validationPercentage: number, testingPercentage: number): SplitName {
  if (p < validationPercentage) return 'validation';
  if (p < validationPercentage + testingPercentage) return 'testing';
  return 'training';
}
