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

/** A vector and whether it was found (in the cache, or computed earlier in this build), or why there is none. */
export type VectorOutcome = { vector: VectorRef; cached: boolean } | { error: string; stopped?: boolean; transient?: boolean };
