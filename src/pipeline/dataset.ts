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

/**
 * An image whose bottleneck vector is known (one at a time, as the images stream): its key is the model's
 * bottleneck key of its content. Nothing is held per image for a vector in the local cache (the data set reads
 * it by key): `vector` is there only for one that is not (computed, or from the remote cache, until stored).
 */
export interface ImageWithVector extends HashedImage {
  vector?: VectorRef;
  /** True when the vector came from the cache. */
  cached: boolean;
}
