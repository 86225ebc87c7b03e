import type { ImageFile } from '../images/scan-image-dirs.js';

/** An image whose content hash is known. */
export interface HashedImage extends ImageFile {
  sha256: string;
}

/**
 * A bottleneck vector, read from the cache only when a stage needs it: a build with nothing to train reads
 * just the vectors it evaluates.
 */
export type VectorRef = () => Float32Array;

/** An image with its bottleneck vector and the cache key it lives under (one at a time, as the images stream). */
export interface ImageWithVector extends HashedImage {
  key: string;
  vector: VectorRef;
  /** True when the vector came from the cache. */
  cached: boolean;
  /** True when `vector` reads the local cache by `key` (nothing to hold: the data set reads it by key too). */
  local?: boolean;
}
