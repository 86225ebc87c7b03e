import { ScannedImages } from '../images/scanned-images.js';
import type { HashedRow, ImageWithVector, VectorRef } from './dataset.js';
import { compareDigests } from '../util/image-rows.js';
import { isSha256Hex } from '../util/content-hash.js';

/**
 * The images as they stream out of the bottleneck stage, appended as columns: the image's row in the scan's
 * columns (which hold its path, name and label), the content hash as 32 bytes of one growing buffer, whether the
 * vector was cached and (by row) the vectors that are not in the local cache. The per-image objects the hash and
 * bottleneck stages make die young: a million-image build kept each of them (and its content hash as a string) in
 * arrays until the split, so they reached the old generation; and then three strings per image here.
 */
export class ImageColumns {
  private rowCount = 0;
  private scan: ScannedImages | undefined;
  private rows = new Uint32Array(1024);
  private digests = Buffer.alloc(32 * 1024);
  private fromCache = new Uint8Array(1024);
  /** Per row, the file's size and modification time when it was hashed (two float64s). */
  private facts = new Float64Array(2 * 1024);
  private held = new Map<number, VectorRef>();

  /** The columns of `images`, in their order (their own scan columns made of them). */
  static from(images: readonly ImageWithVector[]): ImageColumns {
    const scanned = ScannedImages.from(images);
    const columns = new ImageColumns();
    images.forEach((image, row) => columns.add({ images: scanned, row, sha256: image.sha256, size: image.size ?? 0, mtimeMs: image.mtimeMs ?? 0 }, image.cached, image.vector));
    return columns;
  }

  get count(): number {
    return this.rowCount;
  }

  /** Appends an image (a row of the one scan all rows come from); `vector` only for one that is not read from the local cache by key. */
  add(image: HashedRow, cached: boolean, vector?: VectorRef): void {
    this.scan ??= image.images;
    if (image.images !== this.scan) throw new Error('ImageColumns: rows of two scans');
    if (!isSha256Hex(image.sha256)) throw new Error(`${image.images.path(image.row)}: content hash ${image.sha256} is not a SHA-256`);
    const i = this.rowCount++;
    if (i === this.fromCache.length) {
      const digests = Buffer.alloc(2 * this.digests.length);
      this.digests.copy(digests);
      this.digests = digests;
      const fromCache = new Uint8Array(2 * this.fromCache.length);
      fromCache.set(this.fromCache);
      this.fromCache = fromCache;
      const rows = new Uint32Array(2 * this.rows.length);
      rows.set(this.rows);
      this.rows = rows;
      const facts = new Float64Array(2 * this.facts.length);
      facts.set(this.facts);
      this.facts = facts;
    }
    this.rows[i] = image.row;
    this.facts[2 * i] = image.size;
    this.facts[2 * i + 1] = image.mtimeMs;
    this.digests.write(image.sha256, 32 * i, 'hex');
    this.fromCache[i] = cached ? 1 : 0;
    if (vector) this.held.set(i, vector);
  }

  path(i: number): string {
    return this.scan!.path(this.row(i));
  }

  relPath(i: number): string {
    return this.scan!.relPath(this.row(i));
  }

  label(i: number): string {
    return this.scan!.label(this.row(i));
  }

  sha256(i: number): string {
    return this.digests.toString('hex', 32 * i, 32 * i + 32);
  }

  /** Its row in the scan when the scan listed its images in path order (so rows compare as paths do), else undefined. */
  pathRank(i: number): number | undefined {
    return this.scan?.pathRank(this.row(i));
  }

  /** The file's size when it was hashed. */
  size(i: number): number {
    return this.facts[2 * this.checked(i)]!;
  }

  /** The file's modification time when it was hashed. */
  mtimeMs(i: number): number {
    return this.facts[2 * this.checked(i) + 1]!;
  }

  /** The content hashes, 32 bytes each, in row order (a view, not a copy). */
  digestColumn(): Buffer {
    return this.digests.subarray(0, 32 * this.rowCount);
  }

  cached(i: number): boolean {
    return this.fromCache[i] === 1;
  }

  /** Its vector when it is not read from the local cache by key. */
  heldVector(i: number): VectorRef | undefined {
    return this.held.get(i);
  }

  /** The labels that have at least one image. */
  presentLabels(): Set<string> {
    const present = new Set<string>();
    for (let i = 0; i < this.rowCount; i++) present.add(this.label(i));
    return present;
  }

  /**
   * Reordered into the build's canonical order: by label, then content hash (its bytes compare as its lower-case
   * hex does), then path — same-content copies of one class follow their paths, so notes and lists that name one
   * of them do not change with the order the workers finished in. Row numbers are sorted, not objects: a
   * million-image build made a million keyed objects here (test/helpers/canonical-order.ts is the reference).
   * Labels compare by their rank among the scan's labels (as the strings compare), paths only between copies.
   */
  inCanonicalOrder(): this {
    const { digests, rowCount: size, scan } = this;
    const rank = new Uint32Array(size);
    if (scan) {
      const labels = scan.labels;
      const sorted = labels.map((label, index) => ({ label, index })).sort((a, b) => compare(a.label, b.label));
      const rankOf = new Uint32Array(labels.length);
      sorted.forEach(({ index }, r) => (rankOf[index] = r));
      for (let i = 0; i < size; i++) rank[i] = rankOf[scan.labelIndex(this.rows[i]!)]!;
    }
    const order = Array.from({ length: size }, (_, i) => i);
    order.sort((a, b) => rank[a]! - rank[b]! || compareDigests(digests, a, b) || compare(this.path(a), this.path(b)));
    const rows = new Uint32Array(this.rows.length);
    const fromCache = new Uint8Array(this.fromCache.length);
    const facts = new Float64Array(this.facts.length);
    const sorted = Buffer.alloc(this.digests.length);
    const held = new Map<number, VectorRef>();
    order.forEach((from, to) => {
      rows[to] = this.rows[from]!;
      digests.copy(sorted, 32 * to, 32 * from, 32 * from + 32);
      fromCache[to] = this.fromCache[from]!;
      facts[2 * to] = this.facts[2 * from]!;
      facts[2 * to + 1] = this.facts[2 * from + 1]!;
      const vector = this.held.get(from);
      if (vector) held.set(to, vector);
    });
    this.rows = rows;
    this.digests = sorted;
    this.fromCache = fromCache;
    this.facts = facts;
    this.held = held;
    return this;
  }

  private row(i: number): number {
    return this.rows[this.checked(i)]!;
  }

  private checked(i: number): number {
    if (!(i >= 0 && i < this.rowCount)) throw new RangeError(`image ${i} of ${this.rowCount}`);
    return i;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
