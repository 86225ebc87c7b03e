import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { open, type Database, type RootDatabase } from 'lmdb';
import { checkCacheFile } from './cache-file-check.js';
import { checkLockFile } from './cache-lock-file.js';
import { dropWalkRecord, readWalkRecord, writeWalkRecord } from './cache-walk-record.js';
import { CacheError, cacheDamagedMessage, describeOpenError, lmdbDamage, moveAside, type MovedAside } from './cache-file-errors.js';
import { seal, unseal } from './sealed-value.js';

export const CACHE_TABLES = ['bottlenecks', 'failures', 'files', 'heads'] as const;
export type CacheTable = (typeof CACHE_TABLES)[number];

/**
 * Version of the value format, part of every sub-database's name (`v2/bottlenecks`): entries of an older
 * format are not read (a miss, recomputed) and `retrain cache gc` drops them. Format 1 stored values
 * without a checksum under the bare table names.
 */
export const CACHE_FORMAT = 2;
const FORMER_TABLES: readonly string[] = CACHE_TABLES;

/** What the stat cache remembers of a file, so an unchanged file is not read again. */
export interface FileRecord {
  size: number;
  mtimeMs: number;
  ino: number;
  sha256: string;
}

/** A trained softmax head as stored in the cache. */
export interface StoredHead {
  featureSize: number;
  numClasses: number;
  weights: Float32Array;
  biases: Float32Array;
  hidden?: { units: number; weights: Float32Array; biases: Float32Array };
  log: unknown;
  histograms?: unknown;
}

export interface OpenCacheOptions {
  /**
   * A damaged or foreign data file: 'refuse' (throw a CacheError whose one line names the file and
   * `retrain cache verify --repair`) or 'move-aside' (rename it, never delete it, and start an empty cache;
   * `movedAside` says where it went). Default 'refuse'.
   */
  ifDamaged?: 'refuse' | 'move-aside';
  /** Throw instead of creating a cache that is not there (commands that only read or check one). */
  mustExist?: boolean;
  /** Also check the first page of every large value before mapping (`cache verify`; ~100 ms per 20,000 values). */
  thorough?: boolean;
}

/** A value of one table as decoded, or why it cannot be used. */
export type Decoded = { value: unknown } | { damaged: string };

/** The LMDB data file of the cache in `dir`. */
export function cacheDataFile(dir: string): string {
  return path.join(dir, 'cache.lmdb');
}

/**
 * Refuses a cache folder that is a file, in one line naming the flag; says whether the folder exists. Called before anything is written under
 * the folder (the model's graph facts go to `<cacheDir>/onnx` before the cache is opened), and on open.
 */
export function checkCacheFolder(dir: string, { mayCreate = true }: { mayCreate?: boolean } = {}): { exists: boolean } {
  const dirStat = statSync(dir, { throwIfNoEntry: false });
  if (dirStat && !dirStat.isDirectory()) {
    throw new CacheError(`the cache folder ${dir} is a file, not a folder: point --cache-dir (cacheDir) at a folder`);
  }
  if (!dirStat && mayCreate) checkCreatable(dir);
  return { exists: dirStat !== undefined };
}

/**
 * Refuses a cache folder that cannot be made, naming why: Node's recursive mkdir says ENOENT for a folder on a
 * read-only file system (`cannot open the cache …: ENOENT: no such file or directory, mkdir`), and the model's
 * graph facts, written under the folder first, made the engine fall back to TensorFlow.js with that reason.
 */
function checkCreatable(dir: string): void {
  let ancestor = path.dirname(path.resolve(dir));
  let stat = statSync(ancestor, { throwIfNoEntry: false });
  while (!stat && path.dirname(ancestor) !== ancestor) {
    ancestor = path.dirname(ancestor);
    stat = statSync(ancestor, { throwIfNoEntry: false });
  }
  if (!stat) return;
  if (!stat.isDirectory()) throw describeOpenError(dir, Object.assign(new Error('Not a directory'), { code: 'ENOTDIR' }));
  try {
    accessSync(ancestor, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw describeOpenError(dir, error as NodeJS.ErrnoException);
  }
}
/**
 * The one LMDB environment under the cache dir. LMDB gives crash-safe transactions and safe use from
 * several processes at once. Sub-databases (names prefixed with `v<CACHE_FORMAT>/`):
 * - `bottlenecks`: `<model fingerprint>:<preprocess id>:<image sha256>` → float32 bytes
 * - `failures`: the same key → why that content could not be decoded (so a rebuild does not retry it)
 * - `files`: absolute path → FileRecord (stat cache)
 * - `heads`: training fingerprint → StoredHead
 * Every value is sealed (src/cache/sealed-value.ts): a checksum over key + payload is checked on each read,
 * and a value that fails it is a miss, counted in `takeDamaged()` so the caller can say so once.
 */
export class RetrainCache {
  readonly dir: string;
  readonly file: string;
  /** Set when open found the data file damaged and moved it aside (see takeMovedAside). */
  private movedAside?: MovedAside;
  private root: RootDatabase;
  private tables: Record<CacheTable, Database<Buffer, string>>;
  private readonly damaged = new Set<string>();
  private writeError?: Error;
  /** Device and inode of the data file as opened (see changedOnDisk). */
  private opened?: { dev: number; ino: number };
  /**
   * Whether open walked the data file's B-tree pages (false when the file was absent, empty, or provably the
   * one retrain last walked or wrote: cache-walk-record.ts).
   */
  readonly walkedPages: boolean;

  private constructor(dir: string, options: OpenCacheOptions) {
    this.dir = dir;
    this.file = cacheDataFile(dir);
    const folder = checkCacheFolder(dir, { mayCreate: !options.mustExist });
    const state = checkCacheFile(this.file, { thorough: options.thorough, trusted: readWalkRecord(this.file) });
    this.walkedPages = state.state === 'ok' && state.walked;
    if (state.state === 'ok' && state.walked) writeWalkRecord(this.file, state.facts);
    if (state.state === 'absent' && options.mustExist) {
      throw new CacheError(`no cache in ${dir} (${this.file} does not exist): check --cache-dir (cacheDir)`);
    }
    if (state.state === 'damaged') {
      dropWalkRecord(this.file);
      if (options.ifDamaged !== 'move-aside') throw new CacheError(cacheDamagedMessage(this.file, state.reason));
      this.movedAside = moveAside(this.file, state.reason);
    }
    // Before LMDB opens it: a lock file LMDB cannot open crashes the process (cache-lock-file.ts).
    checkLockFile(this.file);
    try {
      if (!folder.exists) mkdirSync(dir, { recursive: true });
      this.root = open({ path: this.file, maxDbs: 12, compression: false });
    } catch (error) {
      throw describeOpenError(dir, error as NodeJS.ErrnoException);
    }
    try {
      this.tables = this.openTables();
    } catch (error) {
      // Meta pages that look right but a main database whose pages point nowhere: LMDB says so here.
      const reason = lmdbDamage(error);
      if (!reason) throw error;
      void this.root.close();
      dropWalkRecord(this.file);
      if (options.ifDamaged !== 'move-aside') throw new CacheError(cacheDamagedMessage(this.file, reason));
      this.movedAside = moveAside(this.file, reason);
      this.root = open({ path: this.file, maxDbs: 12, compression: false });
      this.tables = this.openTables();
    }
    this.noteOpened();
  }

  /** The data file's identity once this environment is open. */
  private noteOpened(): void {
    const stat = statSync(this.file, { throwIfNoEntry: false });
    this.opened = stat ? { dev: stat.dev, ino: stat.ino } : undefined;
  }

  /**
   * Why this open environment must not be used any more, or undefined when its file is as it was: the data
   * file was deleted, replaced by another file, or truncated or scrambled under the mapping (LMDB would
   * then touch pages past the end of the file: SIGBUS). Plain reads only; `retrain watch` asks between builds.
   */
  changedOnDisk(): string | undefined {
    if (!this.opened) return undefined;
    const stat = statSync(this.file, { throwIfNoEntry: false });
    if (!stat) return 'it was deleted';
    if (stat.dev !== this.opened.dev || stat.ino !== this.opened.ino) return 'it was replaced by another file';
    const state = checkCacheFile(this.file);
    const problem = state.state === 'empty' ? 'it was truncated to 0 bytes' : state.state === 'damaged' ? `it is damaged now: ${state.reason}` : undefined;
    // Damage seen while open: close must not record this file as sound.
    if (problem) this.opened = undefined;
    return problem;
  }

  private openTables(): Record<CacheTable, Database<Buffer, string>> {
    return Object.fromEntries(
      CACHE_TABLES.map((table) => [table, this.root.openDB<Buffer, string>({ name: `v${CACHE_FORMAT}/${table}`, encoding: 'binary' })]),
    ) as Record<CacheTable, Database<Buffer, string>>;
  }

  static open(dir: string, options: OpenCacheOptions = {}): RetrainCache {
    return new RetrainCache(dir, options);
  }

  /** A cached vector; undefined when absent or damaged (not whole floats, or a checksum mismatch). */
  getBottleneck(key: string): Float32Array | undefined {
    const bytes = this.tables.bottlenecks.getBinary(key);
    if (!bytes) return undefined;
    const payload = this.unsealed('bottlenecks', key, bytes);
    if (!payload || payload.byteLength % 4 !== 0) return this.noteDamaged('bottlenecks', key);
    // lmdb's getBinary hands out a fresh buffer, so the floats may be a view of it when aligned.
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    return owned && payload.byteOffset % 4 === 0 ? new Float32Array(payload.buffer, payload.byteOffset, payload.byteLength / 4) : floatsFromBytes(payload);
  }

  /** Whether an intact vector is cached under `key` (its checksum is checked; a damaged one is a miss). */
  hasBottleneck(key: string): boolean {
    const bytes = this.tables.bottlenecks.getBinaryFast(key);
    if (!bytes) return false;
    return this.unsealed('bottlenecks', key, bytes) !== undefined;
  }

  /**
   * Whether a vector is stored under `key`, from the key alone: the value (and its checksum) is not read, so
   * none of its pages are touched. A no-op rebuild asks this for every image; a damaged value is found when
   * it is read (getBottleneck).
   */
  containsBottleneck(key: string): boolean {
    return this.tables.bottlenecks.getKeysCount({ start: key, end: `${key}\u0001` }) > 0;
  }

  putBottleneck(key: string, vector: Float32Array): Promise<boolean> {
    return this.put('bottlenecks', key, bytesOf(vector));
  }

  getFailure(key: string): string | undefined {
    const payload = this.read('failures', key);
    return payload && Buffer.from(payload).toString('utf8');
  }

  putFailure(key: string, reason: string): Promise<boolean> {
    return this.put('failures', key, Buffer.from(reason, 'utf8'));
  }

  getFileRecord(file: string): FileRecord | undefined {
    const payload = this.read('files', file);
    if (!payload) return undefined;
    const record = decodeFileRecord(payload);
    return record ?? this.noteDamaged('files', file);
  }

  putFileRecord(file: string, record: FileRecord): Promise<boolean> {
    return this.put('files', file, encodeFileRecord(record));
  }

  getHead(key: string): StoredHead | undefined {
    const payload = this.read('heads', key);
    if (!payload) return undefined;
    const head = decodeHead(payload);
    return head ?? this.noteDamaged('heads', key);
  }

  putHead(key: string, head: StoredHead): Promise<boolean> {
    return this.put('heads', key, encodeHead(head));
  }

  /** Every entry of a table as [key, stored bytes], for maintenance (stats, verify, gc). */
  *entries(table: CacheTable): Iterable<[string, Buffer]> {
    for (const { key, value } of this.tables[table].getRange({})) yield [key as string, value];
  }

  /** An entry's stored bytes decoded and checked, without counting it as damaged (for `cache verify`). */
  decode(table: CacheTable, key: string, bytes: Buffer): Decoded {
    const payload = unseal(key, bytes);
    if (!payload) return { damaged: 'checksum mismatch' };
    if (table === 'bottlenecks') return payload.byteLength % 4 === 0 ? { value: floatsFromBytes(payload) } : { damaged: 'not a float32 vector' };
    if (table === 'failures') return { value: Buffer.from(payload).toString('utf8') };
    if (table === 'files') {
      const record = decodeFileRecord(payload);
      return record ? { value: record } : { damaged: 'not a stat record' };
    }
    const head = decodeHead(payload);
    return head ? { value: head } : { damaged: 'head does not decode' };
  }

  count(table: CacheTable): number {
    return this.tables[table].getKeysCount();
  }

  remove(table: CacheTable, key: string): Promise<boolean> {
    return this.track(this.tables[table].remove(key));
  }

  /** The damaged data file that open moved aside, once (so it is reported once). */
  takeMovedAside(): MovedAside | undefined {
    const moved = this.movedAside;
    this.movedAside = undefined;
    return moved;
  }

  /** How many values failed their checksum since the last call (each counted once), and forgets them. */
  takeDamaged(): number {
    const count = this.damaged.size;
    this.damaged.clear();
    return count;
  }

  /** Sub-databases of an older value format (unchecked values), with their entry counts. */
  formerTables(): { name: string; entries: number }[] {
    const names = [...this.root.getKeys()].filter((name): name is string => typeof name === 'string' && FORMER_TABLES.includes(name));
    return names.map((name) => ({ name, entries: this.root.openDB({ name, encoding: 'binary' }).getKeysCount() }));
  }

  /** Removes the sub-databases of older value formats; returns how many entries they held. */
  async dropFormerTables(): Promise<number> {
    let entries = 0;
    for (const { name, entries: n } of this.formerTables()) {
      await this.track(this.root.openDB({ name, encoding: 'binary' }).drop().then(() => true));
      entries += n;
    }
    return entries;
  }

  /** Bytes the cache takes on disk. */
  diskBytes(): number {
    return statSync(this.file, { throwIfNoEntry: false })?.size ?? 0;
  }

  /** A consistent copy of the cache without free pages (LMDB's compacting copy), written to `file`. */
  compactCopy(file: string): Promise<void> {
    return this.root.backup(file, true);
  }

  /**
   * Resolves when every write so far is committed to disk; rejects with the first write that failed
   * (a full disk, say), so writes can be fired without awaiting each.
   */
  async flushed(): Promise<void> {
    await this.root.flushed;
    if (this.writeError) throw new Error(`cannot write the cache in ${this.dir}: ${this.writeError.message}`);
  }

  /**
   * Closes the environment and records the data file's facts as retrain leaves it (after its own last
   * write), so the next open need not walk it: only when this open checked the file and it is still the
   * same file with sound meta pages.
   */
  async close(): Promise<void> {
    await this.root.close();
    if (!this.opened || this.changedIdentity()) return;
    const state = checkCacheFile(this.file, { walk: false });
    if (state.state === 'ok') writeWalkRecord(this.file, state.facts);
  }

  private changedIdentity(): boolean {
    const stat = statSync(this.file, { throwIfNoEntry: false });
    return !stat || stat.dev !== this.opened?.dev || stat.ino !== this.opened.ino;
  }

  private read(table: CacheTable, key: string): Uint8Array | undefined {
    const bytes = this.tables[table].getBinary(key);
    return bytes && this.unsealed(table, key, bytes);
  }

  private unsealed(table: CacheTable, key: string, bytes: Uint8Array): Uint8Array | undefined {
    return unseal(key, bytes) ?? this.noteDamaged(table, key);
  }

  private noteDamaged(table: CacheTable, key: string): undefined {
    this.damaged.add(`${table}\0${key}`);
    return undefined;
  }

  private put(table: CacheTable, key: string, payload: Uint8Array): Promise<boolean> {
    return this.track(this.tables[table].put(key, seal(key, payload)));
  }

  private track(write: Promise<boolean>): Promise<boolean> {
    return write.catch((error: Error & { commitError?: Promise<unknown> }) => {
      // lmdb rejects a failed commit with a generic error whose `commitError` promise holds the reason.
      this.writeError ??= error;
      error.commitError?.catch((reason: Error) => (this.writeError = reason));
      return false;
    });
  }
}

const FILE_RECORD_BYTES = 3 * 8 + 32;

function encodeFileRecord(record: FileRecord): Buffer {
  const bytes = Buffer.alloc(FILE_RECORD_BYTES);
  bytes.writeDoubleLE(record.size, 0);
  bytes.writeDoubleLE(record.mtimeMs, 8);
  bytes.writeDoubleLE(record.ino, 16);
  bytes.write(record.sha256, 24, 32, 'hex');
  return bytes;
}

function decodeFileRecord(payload: Uint8Array): FileRecord | undefined {
  if (payload.byteLength !== FILE_RECORD_BYTES) return undefined;
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return { size: bytes.readDoubleLE(0), mtimeMs: bytes.readDoubleLE(8), ino: bytes.readDoubleLE(16), sha256: bytes.toString('hex', 24, 56) };
}

/** A head as stored (here, and in the remote cache). */
export function encodeHead(head: StoredHead): Buffer {
  // v8's serializer keeps Float32Arrays bit for bit, and NaN/Infinity in the training log.
  // Owned copies: the serializer writes a view's whole underlying buffer.
  const own = (floats: Float32Array) => floats.slice();
  const hidden = head.hidden && { units: head.hidden.units, weights: own(head.hidden.weights), biases: own(head.hidden.biases) };
  return v8.serialize({ ...head, weights: own(head.weights), biases: own(head.biases), hidden });
}

/** A head whose arrays have the sizes its header gives, or undefined. */
export function decodeHead(payload: Uint8Array): StoredHead | undefined {
  let head: StoredHead;
  try {
    head = v8.deserialize(payload) as StoredHead;
  } catch {
    return undefined;
  }
  const { featureSize, numClasses, weights, biases, hidden } = head ?? ({} as StoredHead);
  if (!Number.isInteger(featureSize) || !Number.isInteger(numClasses) || !(weights instanceof Float32Array) || !(biases instanceof Float32Array)) return undefined;
  const inputs = hidden ? hidden.units : featureSize;
  if (weights.length !== inputs * numClasses || biases.length !== numClasses) return undefined;
  if (hidden && (!(hidden.weights instanceof Float32Array) || hidden.weights.length !== hidden.units * featureSize || hidden.biases?.length !== hidden.units)) return undefined;
  return head;
}

function bytesOf(floats: Float32Array): Uint8Array {
  return new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
}

/** An aligned copy of the floats in raw bytes. */
function floatsFromBytes(bytes: Uint8Array): Float32Array {
  const floats = new Float32Array(Math.floor(bytes.byteLength / 4));
  new Uint8Array(floats.buffer).set(bytes.subarray(0, floats.length * 4));
  return floats;
}
