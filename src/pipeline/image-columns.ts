import type { ImageWithVector, VectorRef } from './dataset.js';

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * The images as they stream out of the bottleneck stage, appended as columns: the scan's path, name and label
 * strings, the content hash as 32 bytes of one growing buffer, whether the vector was cached and (by row) the
 * vectors that are not in the local cache. The per-image objects the hash and bottleneck stages make die young:
 * a million-image build kept each of them (and its content hash as a string) in arrays until the split, so they
 * reached the old generation.
 */
export class ImageColumns {
  private size = 0;
  private paths: string[] = [];
  private relPaths: string[] = [];
  private labelOf: string[] = [];
  private digests = Buffer.alloc(32 * 1024);
  private fromCache = new Uint8Array(1024);
  private held = new Map<number, VectorRef>();

  /** The columns of `images`, in their order. */
  static from(images: readonly ImageWithVector[]): ImageColumns {
    const columns = new ImageColumns();
    for (const image of images) columns.add(image, image.cached, image.vector);
    return columns;
  }

  get count(): number {
    return this.size;
  }

  /** Appends an image; `vector` only for one that is not read from the local cache by key. */
  add(image: { path: string; relPath: string; label: string; sha256: string }, cached: boolean, vector?: VectorRef): void {
    if (!SHA256.test(image.sha256)) throw new Error(`${image.path}: content hash ${image.sha256} is not a SHA-256`);
    const i = this.size++;
    if (i === this.fromCache.length) {
      const digests = Buffer.alloc(2 * this.digests.length);
      this.digests.copy(digests);
      this.digests = digests;
      const fromCache = new Uint8Array(2 * this.fromCache.length);
      fromCache.set(this.fromCache);
      this.fromCache = fromCache;
    }
    this.paths.push(image.path);
    this.relPaths.push(image.relPath);
    this.labelOf.push(image.label);
    this.digests.write(image.sha256, 32 * i, 'hex');
    this.fromCache[i] = cached ? 1 : 0;
    if (vector) this.held.set(i, vector);
  }

  path(i: number): string {
    return this.paths[i]!;
  }

  relPath(i: number): string {
    return this.relPaths[i]!;
  }

  label(i: number): string {
    return this.labelOf[i]!;
  }

  sha256(i: number): string {
    return this.digests.toString('hex', 32 * i, 32 * i + 32);
  }

  /** The path column (the scan's strings, not copies). */
  pathColumn(): readonly string[] {
    return this.paths;
  }

  relPathColumn(): readonly string[] {
    return this.relPaths;
  }

  /** The content hashes, 32 bytes each, in row order (a view, not a copy). */
  digestColumn(): Buffer {
    return this.digests.subarray(0, 32 * this.size);
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
    return new Set(this.labelOf);
  }

  /**
   * Reordered into the build's canonical order: by label, then content hash (its bytes compare as its lower-case
   * hex does), then path — same-content copies of one class follow their paths, so notes and lists that name one
   * of them do not change with the order the workers finished in. Row numbers are sorted, not objects: a
   * million-image build made a million keyed objects here (test/helpers/canonical-order.ts is the reference).
   */
  inCanonicalOrder(): this {
    const { labelOf, paths, digests } = this;
    const order = Array.from({ length: this.size }, (_, i) => i);
    order.sort((a, b) => compare(labelOf[a]!, labelOf[b]!) || compareDigests(digests, a, b) || compare(paths[a]!, paths[b]!));
    const fromCache = new Uint8Array(this.fromCache.length);
    const sorted = Buffer.alloc(this.digests.length);
    const held = new Map<number, VectorRef>();
    order.forEach((from, to) => {
      digests.copy(sorted, 32 * to, 32 * from, 32 * from + 32);
      fromCache[to] = this.fromCache[from]!;
      const vector = this.held.get(from);
      if (vector) held.set(to, vector);
    });
    this.paths = order.map((i) => paths[i]!);
    this.relPaths = order.map((i) => this.relPaths[i]!);
    this.labelOf = order.map((i) => labelOf[i]!);
    this.digests = sorted;
    this.fromCache = fromCache;
    this.held = held;
    return this;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareDigests(digests: Buffer, a: number, b: number): number {
  for (let k = 0; k < 32; k++) {
    const d = digests[32 * a + k]! - digests[32 * b + k]!;
    if (d !== 0) return d;
  }
  return 0;
}
