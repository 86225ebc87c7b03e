import type { ImageFile, ScannedImages } from '../images/scanned-images.js';

/**
 * What the hash stage gives per image: its row in the scan's columns and its content hash. Short-lived (the
 * bottleneck stage appends it to columns), so a build keeps no object or string per image of its own.
 */
export interface HashedRow {
  readonly images: ScannedImages;
  readonly row: number;
  readonly sha256: string;
  /** The file's size and modification time when it was hashed (its stat before the read). */
  readonly size: number;
  readonly mtimeMs: number;
}

/** An image whose content hash is known (and, when known, the size and time it was hashed at). */
export interface HashedImage extends ImageFile {
  sha256: string;
  size?: number;
  mtimeMs?: number;
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
