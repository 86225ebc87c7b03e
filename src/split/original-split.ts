import { createHash } from 'node:crypto';

export type DataSet = 'training' | 'validation' | 'testing';

/** retrain.py's MAX_NUM_IMAGES_PER_CLASS = 2^27 - 1. */
const MAX = (1n << 27n) - 1n;

/** The part of a name that the split hashes: everything from `_nohash_` on is ignored. */
export function splitKey(relPath: string): string {
  return relPath.replace(/_nohash_.*$/s, '');
}

/**
 * retrain.py's stable bucket: SHA-1 of the key as an integer, mod 2^27, scaled to [0, 100].
 * The same key always lands in the same place, so adding images never moves old ones between sets.
 */
export function bucketPercent(key: string): number {
  const digest = createHash('sha1').update(key, 'utf8').digest('hex');
  const bucket = BigInt(`0x${digest}`) % (MAX + 1n);
  return Number(bucket) * (100 / Number(MAX));
}

export function setForPercent(p: number, validationPercentage: number, testingPercentage: number): DataSet {
  if (p < validationPercentage) return 'validation';
  if (p < validationPercentage + testingPercentage) return 'testing';
  return 'training';
}
