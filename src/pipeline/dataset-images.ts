import type { AugmentSpec } from '../core/distortions.js';
import type { SplitName } from '../core/original-split.js';
import type { RetrainCache } from '../store/retrain-cache.js';
import type { ImageTable } from '../store/keys.js';
import type { VectorRef } from './dataset.js';
import { readCachedVector } from './vector-source.js';
import { SETS } from '../core/assign-sets.js';
import { ImageColumns } from './image-columns.js';

/** All usable images of a build, split, with the class labels in index order. */
export interface Dataset {
  labels: string[];
  images: DatasetImages;
}

/** A distorted variant of a training image: its vector's key and distortion (to compute it again if damaged). */
export interface Variant {
  key: string;
  augment: AugmentSpec;
}

/**
 * A build's split images as columns, in the build's canonical order: image `i` is its path and name (the
 * scan's strings), a class index, a set index, its content hash as 32 bytes of one buffer (hex made when asked
 * for) and whether its vector was cached. Its vector key is the model's prefix + the hash, made when asked for;
 * its vector is read from the cache by that key on every use. An object, a closure and four strings per image
 * were some 900 bytes of a million-image build's heap each; these columns are the path and name and 38 bytes.
 * Vectors that are not (yet) in the local cache (computed, from the remote cache, recomputed after damage, or
 * read once for a cache that closes) are held by key.
 */
export class DatasetImages implements ImageTable {
  readonly count: number;
  private readonly held = new Map<string, VectorRef>();
  private readonly variantsOf = new Map<number, Variant[]>();

  private constructor(
    readonly labels: readonly string[],
    private readonly paths: readonly string[],
    private readonly relPaths: readonly string[],
    private readonly labelIndex: Int32Array,
    readonly setIndex: Uint8Array,
    private readonly digests: Buffer,
    private readonly fromCache: Uint8Array,
    private readonly keyPrefix: string,
    private readonly cache: RetrainCache,
  ) {
    this.count = paths.length;
  }

  /**
   * The split images (appended as columns as the bottleneck stage streams them; vector keys are `keyPrefix` + their
   * content hash) with the split's `sets` (indices into SETS). Vectors that are not read from the local cache by
   * key are held.
   */
  static fromColumns(labels: readonly string[], images: ImageColumns, sets: Uint8Array, keyPrefix: string, cache: RetrainCache): DatasetImages {
    const n = images.count;
    const classOf = new Map(labels.map((label, c) => [label, c]));
    const labelIndex = new Int32Array(n);
    const fromCache = new Uint8Array(n);
    const digests = Buffer.from(images.digestColumn());
    const columns = new DatasetImages(labels, images.pathColumn(), images.relPathColumn(), labelIndex, sets, digests, fromCache, keyPrefix, cache);
    for (let i = 0; i < n; i++) {
      labelIndex[i] = classOf.get(images.label(i))!;
      fromCache[i] = images.cached(i) ? 1 : 0;
      const vector = images.heldVector(i);
      if (vector) columns.held.set(columns.key(i), vector);
    }
    return columns;
  }

  path(i: number): string {
    return this.paths[i]!;
  }

  /** The name in its class folder ('/'-separated). */
  relPath(i: number): string {
    return this.relPaths[i]!;
  }

  classIndex(i: number): number {
    return this.labelIndex[i]!;
  }

  label(i: number): string {
    return this.labels[this.labelIndex[i]!]!;
  }

  set(i: number): SplitName {
    return SETS[this.setIndex[i]!]!;
  }

  sha256(i: number): string {
    return this.digests.toString('hex', 32 * i, 32 * i + 32);
  }

  /** The bottleneck key of its vector. */
  key(i: number): string {
    return `${this.keyPrefix}${this.sha256(i)}`;
  }

  /** Whether its vector came from the cache (not computed by this build). */
  cached(i: number): boolean {
    return this.fromCache[i] === 1;
  }

  /** How many images' vectors came from the cache. */
  countCached(): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) n += this.fromCache[i]!;
    return n;
  }

  /** Its vector, read now. */
  vector(i: number): Float32Array {
    const key = this.key(i);
    return this.held.get(key)?.() ?? readCachedVector(this.cache, { key, path: this.path(i), sha256: this.sha256(i) });
  }

  /** Its distorted variants (training images, when distortions are on). */
  variants(i: number): readonly Variant[] {
    return this.variantsOf.get(i) ?? [];
  }

  variantKey(i: number, k: number): string | undefined {
    return this.variantsOf.get(i)?.[k]?.key;
  }

  /** Its `k`th variant's vector, read now. */
  variantVector(i: number, k: number): Float32Array {
    const { key, augment } = this.variantsOf.get(i)![k]!;
    return this.held.get(key)?.() ?? readCachedVector(this.cache, { key, path: this.path(i), sha256: this.sha256(i), augment });
  }

  /** Gives image `i` its variants; `vectors` holds those that do not read the local cache by key. */
  setVariants(i: number, variants: readonly Variant[], vectors: ReadonlyMap<string, VectorRef>): void {
    if (variants.length > 0) this.variantsOf.set(i, [...variants]);
    for (const [key, vector] of vectors) this.held.set(key, vector);
  }

  /** Total number of distorted variants. */
  variantCount(): number {
    let n = 0;
    for (const list of this.variantsOf.values()) n += list.length;
    return n;
  }

  /** The indices of the images in `set`. */
  indicesIn(set: SplitName): number[] {
    const code = SETS.indexOf(set);
    const indices: number[] = [];
    for (let i = 0; i < this.count; i++) if (this.setIndex[i] === code) indices.push(i);
    return indices;
  }

  /** How many images are in `set` (and of class `classIndex`, when given). */
  countIn(set: SplitName, classIndex?: number): number {
    const code = SETS.indexOf(set);
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.setIndex[i] === code && (classIndex === undefined || this.labelIndex[i] === classIndex)) n++;
    return n;
  }

  /** How many images are of class `classIndex`. */
  countOfClass(classIndex: number): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.labelIndex[i] === classIndex) n++;
    return n;
  }

  /**
   * The vector under `key` computed again (its cached value was damaged): held from now on, and the images
   * that use it count as computed.
   */
  replaceVector(key: string, vector: VectorRef): void {
    this.held.set(key, vector);
    for (let i = 0; i < this.count; i++) if (this.fromCache[i] === 1 && this.key(i) === key) this.fromCache[i] = 0;
  }

  /** Every vector (and variant) read now and held: for a data set used after its cache closes. */
  loadVectors(): void {
    for (let i = 0; i < this.count; i++) {
      const vector = this.vector(i);
      this.held.set(this.key(i), () => vector);
      this.variants(i).forEach(({ key }, k) => {
        const variant = this.variantVector(i, k);
        this.held.set(key, () => variant);
      });
    }
  }
}
