import type { ImageFile } from '../images/scan-image-dirs.js';
import type { SplitName } from '../core/original-split.js';

/** An image whose content hash is known. */
export interface HashedImage extends ImageFile {
  sha256: string;
}

/**
 * A bottleneck vector, read from the cache only when a stage needs it: a build with nothing to train reads
 * just the vectors it evaluates.
 */
export type VectorRef = () => Float32Array;

/** An image with its bottleneck vector and the cache key it lives under. */
export interface ImageWithVector extends HashedImage {
  key: string;
  vector: VectorRef;
  /** True when the vector came from the cache. */
  cached: boolean;
}

export interface SplitImage extends ImageWithVector {
  set: SplitName;
  /** Distorted variants' vectors and keys (training images, when distortions are on). */
  variants?: Array<{ key: string; vector: VectorRef }>;
}

/** All usable images of a build, split, with the class labels in index order. */
export interface Dataset {
  labels: string[];
  images: SplitImage[];
}
