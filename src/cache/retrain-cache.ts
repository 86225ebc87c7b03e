import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';

export const CACHE_TABLES = ['bottlenecks', 'failures', 'files', 'heads'] as const;
export type CacheTable = (typeof CACHE_TABLES)[number];

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

/**
 * The one LMDB environment under the cache dir. LMDB gives crash-safe transactions and safe use from
 * several processes at once. Sub-databases:
 * - `bottlenecks`: `<model fingerprint>:<preprocess id>:<image sha256>` → float32 bytes
 * - `failures`: the same key → why that content could not be decoded (so a rebuild does not retry it)
 * - `files`: absolute path → FileRecord (stat cache)
 * - `heads`: training fingerprint → StoredHead
 */
export class RetrainCache {
  readonly dir: string;
  private readonly path: string;
  private readonly root: RootDatabase;
  private readonly bottlenecks: Database<Buffer, string>;
  private readonly failures: Database<string, string>;
  private readonly files: Database<FileRecord, string>;
  private readonly heads: Database<StoredHead, string>;
  private writeError?: Error;

  private constructor(dir: string) {
    this.dir = dir;
    this.path = path.join(dir, 'cache.lmdb');
    this.root = open({ path: this.path, maxDbs: 8, compression: false });
    this.bottlenecks = this.root.openDB<Buffer, string>({ name: 'bottlenecks', encoding: 'binary' });
    this.failures = this.root.openDB<string, string>({ name: 'failures', encoding: 'string' });
    this.files = this.root.openDB<FileRecord, string>({ name: 'files', encoding: 'msgpack' });
    this.heads = this.root.openDB<StoredHead, string>({ name: 'heads', encoding: 'msgpack' });
  }

  static open(dir: string): RetrainCache {
    return new RetrainCache(dir);
  }

  /** A cached vector, or undefined when absent or not whole floats (`retrain cache verify` checks lengths). */
  getBottleneck(key: string): Float32Array | undefined {
    const bytes = this.bottlenecks.get(key);
    if (!bytes || bytes.byteLength % 4 !== 0) return undefined;
    return floatsFromBytes(bytes);
  }

  hasBottleneck(key: string): boolean {
    return this.bottlenecks.doesExist(key);
  }

  putBottleneck(key: string, vector: Float32Array): Promise<boolean> {
    return this.track(this.bottlenecks.put(key, bytesOf(vector)));
  }

  getFailure(key: string): string | undefined {
    return this.failures.get(key);
  }

  putFailure(key: string, reason: string): Promise<boolean> {
    return this.track(this.failures.put(key, reason));
  }

  getFileRecord(file: string): FileRecord | undefined {
    return this.files.get(file);
  }

  putFileRecord(file: string, record: FileRecord): Promise<boolean> {
    return this.track(this.files.put(file, record));
  }

  getHead(key: string): StoredHead | undefined {
    type Bytes = { weights: Uint8Array; biases: Uint8Array };
    const stored = this.heads.get(key) as (Omit<StoredHead, 'weights' | 'biases' | 'hidden'> & Bytes & { hidden?: Bytes & { units: number } }) | undefined;
    if (!stored) return undefined;
    const weights = floatsFromBytes(stored.weights);
    const biases = floatsFromBytes(stored.biases);
    const hidden = stored.hidden && { units: stored.hidden.units, weights: floatsFromBytes(stored.hidden.weights), biases: floatsFromBytes(stored.hidden.biases) };
    const inputs = hidden ? hidden.units : stored.featureSize;
    if (weights.length !== inputs * stored.numClasses || biases.length !== stored.numClasses) return undefined;
    if (hidden && (hidden.weights.length !== hidden.units * stored.featureSize || hidden.biases.length !== hidden.units)) return undefined;
    return { ...stored, weights, biases, hidden };
  }

  putHead(key: string, head: StoredHead): Promise<boolean> {
    // Float arrays are stored as their raw bytes, so they come back bit for bit.
    const hidden = head.hidden && { units: head.hidden.units, weights: bytesOf(head.hidden.weights), biases: bytesOf(head.hidden.biases) };
    return this.track(this.heads.put(key, { ...head, weights: bytesOf(head.weights), biases: bytesOf(head.biases), hidden } as never));
  }

  /** Every entry of a sub-database as [key, value], for maintenance (stats, verify, gc). */
  *entries(table: CacheTable): Iterable<[string, unknown]> {
    for (const { key, value } of this.table(table).getRange({})) yield [key as string, value];
  }

  count(table: CacheTable): number {
    return this.table(table).getKeysCount();
  }

  remove(table: CacheTable, key: string): Promise<boolean> {
    return this.table(table).remove(key);
  }

  /** Bytes the cache takes on disk. */
  diskBytes(): number {
    return existsSync(this.path) ? statSync(this.path).size : 0;
  }

  private table(table: CacheTable): Database<unknown, string> {
    return { bottlenecks: this.bottlenecks, failures: this.failures, files: this.files, heads: this.heads }[table] as Database<unknown, string>;
  }

  /**
   * Resolves when every write so far is committed to disk; rejects with the first write that failed
   * (a full disk, say), so writes can be fired without awaiting each.
   */
  async flushed(): Promise<void> {
    await this.root.flushed;
    if (this.writeError) throw new Error(`cannot write the cache in ${this.dir}: ${this.writeError.message}`);
  }

  private track(write: Promise<boolean>): Promise<boolean> {
    return write.catch((error: Error & { commitError?: Promise<unknown> }) => {
      // lmdb rejects a failed commit with a generic error whose `commitError` promise holds the reason.
      this.writeError ??= error;
      error.commitError?.catch((reason: Error) => (this.writeError = reason));
      return false;
    });
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}

function bytesOf(floats: Float32Array): Buffer {
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
}

/**
 * The floats in raw bytes: a view when the bytes are 4-byte aligned and not shared with LMDB (its reads
 * hand out a fresh buffer), else an aligned copy.
 */
function floatsFromBytes(bytes: Uint8Array): Float32Array {
  if (bytes.byteOffset % 4 === 0 && bytes.byteLength % 4 === 0 && bytes.byteLength === bytes.buffer.byteLength) {
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  }
  const floats = new Float32Array(Math.floor(bytes.byteLength / 4));
  new Uint8Array(floats.buffer).set(bytes.subarray(0, floats.length * 4));
  return floats;
}
