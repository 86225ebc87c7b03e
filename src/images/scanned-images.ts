import path from 'node:path';

/** One image found on disk, before its content is read. */
export interface ImageFile {
  /** Absolute path. */
  path: string;
  /** Class label (normalised folder name). */
  label: string;
  /** Path relative to its class folder, '/'-separated (`x.jpg`, `sub/x.jpg`): the name the split hashes. */
  relPath: string;
}

/**
 * The images a scan found, as columns: per image its name in its class folder (`relPath`, UTF-8, back to back in
 * one growing buffer, with its end offset) and the index of its class folder (which gives the folder's path and
 * the label), so an image costs its name's bytes and 8 more, not three strings in an object (≈220 bytes each at a
 * million images). An image's path is its class folder's path, a separator and its `relPath` (with the platform's
 * separator): `add` checks that it is. Rows are in the order added; `image(i)` and iteration give short-lived
 * `ImageFile` objects.
 */
export class ScannedImages implements Iterable<ImageFile> {
  private size = 0;
  private names = Buffer.alloc(64 * 1024);
  private used = 0;
  /** End offset in `names` of row i's relPath (it starts where row i - 1's ends). */
  private ends: Uint32Array = new Uint32Array(1024);
  private folderOf: Uint32Array = new Uint32Array(1024);
  /** Class folders, each with its trailing separator, and the index of its label. */
  private readonly folders: string[] = [];
  private readonly folderLabel: number[] = [];
  private readonly folderIndex = new Map<string, number>();
  private lastFolder = -1;
  private lastPath: string | undefined;
  private ordered = true;

  /** `labels`: the labels rows refer to, by index (the scan's class-index order; the scan appends to it as it goes). */
  constructor(readonly labels: readonly string[]) {}

  /** Columns of `images` in their order; labels in the order they first appear. */
  static from(images: Iterable<ImageFile>): ScannedImages {
    const list = [...images];
    const labels = [...new Set(list.map((image) => image.label))];
    const index = new Map(labels.map((label, i) => [label, i]));
    const scanned = new ScannedImages(labels);
    for (const image of list) scanned.add(image.path, image.relPath, index.get(image.label)!);
    return scanned;
  }

  get count(): number {
    return this.size;
  }

  /**
   * True when the rows are in path order (as `<` compares the strings): then a sorted list of the paths is the
   * rows in order, without sorting a million strings.
   */
  get pathOrdered(): boolean {
    return this.ordered;
  }

  /** Its row when the rows are in path order (so rows compare as paths do: see PathRows in src/pipeline/path-order.ts), else undefined. */
  pathRank(i: number): number | undefined {
    return this.ordered ? i : undefined;
  }

  /** Appends an image: `relPath` must be the tail of `file` after a separator ('/' in relPath is the platform's). */
  add(file: string, relPath: string, label: number): void {
    if (!(label >= 0 && label < this.labels.length)) throw new Error(`${file}: label index ${label} is not one of ${this.labels.length} labels`);
    const native = path.sep === '/' ? relPath : relPath.replaceAll('/', path.sep);
    const cut = file.length - native.length;
    if (relPath === '' || cut < 1 || file[cut - 1] !== path.sep || !file.endsWith(native)) {
      throw new Error(`${file}: "${relPath}" is not its name in its class folder (not the end of its path)`);
    }
    // Names come from the file system as UTF-8, so they encode and decode unchanged; a lone surrogate would not.
    if (!isWellFormed(relPath)) throw new Error(`${file}: the name is not valid Unicode`);
    const folder = this.folderFor(file.slice(0, cut), label);
    const i = this.size;
    if (i === this.ends.length) {
      this.ends = grown(this.ends);
      this.folderOf = grown(this.folderOf);
    }
    if (this.used + 3 * relPath.length > this.names.length) {
      const names = Buffer.alloc(Math.max(2 * this.names.length, this.used + 3 * relPath.length));
      this.names.copy(names, 0, 0, this.used);
      this.names = names;
    }
    this.used += this.names.write(relPath, this.used, 'utf8');
    this.ends[i] = this.used;
    this.folderOf[i] = folder;
    if (this.lastPath !== undefined && file < this.lastPath) this.ordered = false;
    this.lastPath = file;
    this.size++;
  }

  path(i: number): string {
    const rel = this.relPath(i);
    return this.folders[this.folderOf[i]!]! + (path.sep === '/' ? rel : rel.replaceAll('/', path.sep));
  }

  relPath(i: number): string {
    this.check(i);
    return this.names.toString('utf8', i === 0 ? 0 : this.ends[i - 1]!, this.ends[i]!);
  }

  label(i: number): string {
    return this.labels[this.labelIndex(i)]!;
  }

  /** Index of the row's label in `labels`. */
  labelIndex(i: number): number {
    this.check(i);
    return this.folderLabel[this.folderOf[i]!]!;
  }

  image(i: number): ImageFile {
    return { path: this.path(i), label: this.label(i), relPath: this.relPath(i) };
  }

  *[Symbol.iterator](): Iterator<ImageFile> {
    for (let i = 0; i < this.size; i++) yield this.image(i);
  }

  private folderFor(prefix: string, label: number): number {
    const last = this.lastFolder;
    if (last >= 0 && this.folders[last] === prefix && this.folderLabel[last] === label) return last;
    const key = `${label}\0${prefix}`;
    let folder = this.folderIndex.get(key);
    if (folder === undefined) {
      folder = this.folders.length;
      this.folders.push(prefix);
      this.folderLabel.push(label);
      this.folderIndex.set(key, folder);
    }
    this.lastFolder = folder;
    return folder;
  }

  private check(i: number): void {
    if (!(i >= 0 && i < this.size)) throw new RangeError(`image ${i} of ${this.size}`);
  }
}

function grown(column: Uint32Array): Uint32Array {
  const larger = new Uint32Array(2 * column.length);
  larger.set(column);
  return larger;
}

/** String.prototype.isWellFormed (Node 20), without the ES2024 library types. */
function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}
