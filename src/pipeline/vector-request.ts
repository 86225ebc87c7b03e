import type { AugmentSpec } from '../core/distortions.js';
import type { VectorRef } from './dataset.js';

/** One vector a stage asks the vector source for. */
export interface VectorRequest {
  /** Cache key of the vector. */
  key: string;
  path: string;
  sha256: string;
  augment?: AugmentSpec;
}

/**
 * A vector and whether it was found (in the cache, or computed earlier in this build), or why there is none.
 * `local`: the vector is read from the local cache by its key on every use (nothing held in memory).
 */
export type VectorOutcome = { vector: VectorRef; cached: boolean; local?: true } | { error: string; stopped?: boolean; transient?: boolean };
