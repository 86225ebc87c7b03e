import { createHash } from 'node:crypto';
import { isSha256Hex } from './content-hash.js';

/**
 * A set of images read by row: image `i`'s path, class, name in its class folder and content hash, and the content
 * hashes as one column of 32 bytes a row (what groups and sorts by content without a 64-character string per
 * image). The build's data sets are columns (ImageColumns, DatasetImages); `rowsOf` reads an array of objects
 * the same way (tests, small callers). The split, the keys and the stage record all read images through it.
 */
export interface ImageRows {
  readonly count: number;
  path(i: number): string;
  label(i: number): string;
  relPath(i: number): string;
  /** The content hash as lower-case hex (made when asked for). */
  sha256(i: number): string;
  /** The content hashes, 32 bytes each, in row order: row `i` is bytes 32·i to 32·i + 32. */
  digestColumn(): Uint8Array;
}

/** An image as an object: the fields a reader does not read may be missing. */
export interface ImageObject {
  path?: string;
  label?: string;
  relPath?: string;
  sha256?: string;
  /** The file's size and modification time when it was hashed (what the stage record keeps). */
  size?: number;
  mtimeMs?: number;
  key?: string;
  set?: string;
  variants?: ReadonlyArray<{ key: string }>;
}

/** ImageRows of objects, with the fields the keys read of a split image (its vector key, set and variants' keys). */
export interface ObjectRows extends ImageRows {
  size(i: number): number;
  mtimeMs(i: number): number;
  key(i: number): string;
  set(i: number): string;
  variantKey(i: number, k: number): string | undefined;
}

/** An array of image objects read by row (its digest column made from the hex hashes when first asked for). */
export function rowsOf(images: readonly ImageObject[]): ObjectRows {
  let digests: Uint8Array | undefined;
  return {
    count: images.length,
    path: (i) => images[i]!.path!,
    label: (i) => images[i]!.label!,
    relPath: (i) => images[i]!.relPath!,
    sha256: (i) => images[i]!.sha256!,
    size: (i) => images[i]!.size!,
    mtimeMs: (i) => images[i]!.mtimeMs!,
    digestColumn: () => (digests ??= digestsOf(images)),
    key: (i) => images[i]!.key!,
    set: (i) => images[i]!.set!,
    variantKey: (i, k) => images[i]!.variants?.[k]?.key,
  };
}


/**
 * The objects' hashes as bytes. A hash that is not lower-case SHA-256 hex (tests' stand-ins such as 'same-content')
 * is given the SHA-256 of its text instead, so equal strings still share a digest and unequal ones do not (Buffer
 * would stop writing at the first character that is not hex, and different stand-ins would share one).
 */
function digestsOf(images: readonly ImageObject[]): Uint8Array {
  const digests = Buffer.alloc(32 * images.length);
  images.forEach(({ sha256, path }, i) => {
    if (sha256 === undefined) throw new Error(`${path ?? `image ${i}`}: no content hash`);
    if (isSha256Hex(sha256)) digests.write(sha256, 32 * i, 'hex');
    else createHash('sha256').update(sha256).digest().copy(digests, 32 * i);
  });
  return digests;
}

/** Whether rows `a` and `b` of a digest column hold the same content hash. */
export function sameDigest(digests: Uint8Array, a: number, b: number): boolean {
  return compareDigests(digests, a, b) === 0;
}

/** Rows `a` and `b` of a digest column compared as their lower-case hex compares (byte by byte). */
export function compareDigests(digests: Uint8Array, a: number, b: number): number {
  const x = 32 * a;
  const y = 32 * b;
  for (let k = 0; k < 32; k++) {
    const d = digests[x + k]! - digests[y + k]!;
    if (d !== 0) return d;
  }
  return 0;
}
