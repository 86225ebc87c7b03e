import type { AugmentSpec } from '../core/distortions.js';
import type { SplitName } from '../core/original-split.js';
import type { RetrainCache } from '../store/retrain-cache.js';
import type { ImageTable } from '../store/keys.js';
import type { RecordRows } from './stage-record.js';
import type { VectorRef } from './dataset.js';
import { readCachedVector } from './vector-source.js';
import { SETS } from '../core/assign-sets.js';
import type { ImageColumns } from './image-columns.js';
import { isSha256Hex } from '../util/content-hash.js';

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
 * A build's split images as columns, in the build's canonical order: the ImageColumns the bottleneck stage appended
 * (owned, not copied: path, name, content hash as 32 bytes of one buffer, whether its vector was cached, the
 * vectors not in the local cache), with a class index and a set index per image. Its vector key is the model's
 * prefix + the hash, made when asked for; its vector is read from the cache by that key on every use. An object,
 * a closure and four strings per image were some 900 bytes of a million-image build's heap each; the copy of the
 * hashes and flags another 33 MB. Vectors computed again after damage, or read once for a cache that closes, are
 * held by row; distorted variants' vectors that are not in the local cache by key.
 */
export class DatasetImages implements ImageTable, RecordRows {
  readonly count: number;
  /** Vectors held by row (computed again after damage, or loaded): before the columns' own. */
  private readonly heldRows = new Map<number, VectorRef>();
  /** Rows whose cached vector was damaged and computed again (they count as computed). */
  private readonly recomputed = new Set<number>();
  /** Distorted variants' vectors that are not read from the local cache by key. */
  private readonly heldVariants = new Map<string, VectorRef>();
  private readonly variantsOf = new Map<number, Variant[]>();

  private constructor(
    readonly labels: readonly string[],
    private readonly columns: ImageColumns,
    private readonly labelIndex: Int32Array,
    readonly setIndex: Uint8Array,
    readonly keyPrefix: string,
    private readonly cache: RetrainCache,
  ) {
    this.count = columns.count;
  }

  /**
   * The split images (appended as columns as the bottleneck stage streams them; vector keys are `keyPrefix` + their
   * content hash) with the split's `sets` (indices into SETS). The columns become the data set's: they are not
   * copied, and must not change after.
   */
  static fromColumns(labels: readonly string[], images: ImageColumns, sets: Uint8Array, keyPrefix: string, cache: RetrainCache): DatasetImages {
    const n = images.count;
    if (sets.length !== n) throw new Error(`${sets.length} sets for ${n} images`);
    const classOf = new Map(labels.map((label, c) => [label, c]));
    const labelIndex = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = classOf.get(images.label(i));
      if (c === undefined) throw new Error(`${images.path(i)}: class "${images.label(i)}" is not one of the data set's`);
      labelIndex[i] = c;
    }
    return new DatasetImages(labels, images, labelIndex, sets, keyPrefix, cache);
  }

  path(i: number): string {
    return this.columns.path(i);
  }

  /** The name in its class folder ('/'-separated). */
  relPath(i: number): string {
    return this.columns.relPath(i);
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
    return this.columns.sha256(i);
  }

  /** See ImageColumns.pathRank. */
  pathRank(i: number): number | undefined {
    return this.columns.pathRank(i);
  }

  /** The file's size when it was hashed. */
  size(i: number): number {
    return this.columns.size(i);
  }

  /** The file's modification time when it was hashed. */
  mtimeMs(i: number): number {
    return this.columns.mtimeMs(i);
  }

  /** The content hashes, 32 bytes each, in row order (the columns', not a copy). */
  digestColumn(): Buffer {
    return this.columns.digestColumn();
  }

  /** The bottleneck key of its vector. */
  key(i: number): string {
    return `${this.keyPrefix}${this.sha256(i)}`;
  }

  /** Whether its vector came from the cache (not computed by this build). */
  cached(i: number): boolean {
    return this.columns.cached(i) && !this.recomputed.has(i);
  }

  /** How many images' vectors came from the cache. */
  countCached(): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.cached(i)) n++;
    return n;
  }

  /** Its vector, read now. */
  vector(i: number): Float32Array {
    const held = this.heldRows.get(i) ?? this.columns.heldVector(i);
    if (held) return held();
    return readCachedVector(this.cache, { key: this.key(i), path: this.path(i), sha256: this.sha256(i) });
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
    return this.heldVariants.get(key)?.() ?? readCachedVector(this.cache, { key, path: this.path(i), sha256: this.sha256(i), augment });
  }

  /** Gives image `i` its variants; `vectors` holds those that do not read the local cache by key. */
  setVariants(i: number, variants: readonly Variant[], vectors: ReadonlyMap<string, VectorRef>): void {
    if (variants.length > 0) this.variantsOf.set(i, [...variants]);
    for (const [key, vector] of vectors) this.heldVariants.set(key, vector);
  }

  /** Total number of distorted variants. */
  variantCount(): number {
    let n = 0;
    for (const list of this.variantsOf.values()) n += list.length;
    return n;
  }

  /** The indices of the images in `set`, in row order. */
  indicesIn(set: SplitName): Int32Array {
    const code = SETS.indexOf(set);
    const indices = new Int32Array(this.countIn(set));
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.setIndex[i] === code) indices[n++] = i;
    return indices;
  }

  /** How many images are in `set` (per class: classCounts). */
  countIn(set: SplitName): number {
    const code = SETS.indexOf(set);
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.setIndex[i] === code) n++;
    return n;
  }

  /**
   * How many images each class has (in `set`, when given), by class index: one pass over the images, where a
   * count per class was a pass per class (a thousand classes of a million images: 10^9 steps).
   */
  classCounts(set?: SplitName): Int32Array {
    const code = set === undefined ? -1 : SETS.indexOf(set);
    const counts = new Int32Array(this.labels.length);
    for (let i = 0; i < this.count; i++) if (code === -1 || this.setIndex[i] === code) counts[this.labelIndex[i]!]!++;
    return counts;
  }

  /**
   * The vector under `key` computed again (its cached value was damaged): held from now on, and the images
   * that use it count as computed. The images are found by their digests' bytes (no key made per image).
   */
  replaceVector(key: string, vector: VectorRef): void {
    const rest = key.startsWith(this.keyPrefix) ? key.slice(this.keyPrefix.length) : '';
    if (!isSha256Hex(rest)) {
      this.heldVariants.set(key, vector);
      return;
    }
    const wanted = Buffer.from(rest, 'hex');
    const digests = this.digestColumn();
    for (let i = 0; i < this.count; i++) {
      if (wanted.compare(digests, 32 * i, 32 * i + 32) !== 0) continue;
      this.heldRows.set(i, vector);
      if (this.columns.cached(i)) this.recomputed.add(i);
    }
  }

  /** Every vector (and variant) read now and held: for a data set used after its cache closes. */
  loadVectors(): void {
    for (let i = 0; i < this.count; i++) {
      const vector = this.vector(i);
      this.heldRows.set(i, () => vector);
      this.variants(i).forEach(({ key }, k) => {
        const variant = this.variantVector(i, k);
        this.heldVariants.set(key, () => variant);
      });
    }
  }
}

