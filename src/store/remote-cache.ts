import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as S3 from '@aws-sdk/client-s3';
import { Limiter } from './limiter.js';
import { parseRemoteUrl, type RemoteLocation } from './remote-url.js';
import { remoteObjectName } from './keys.js';
import { decodeObject, encodeObject } from './vector-object.js';

/**
 * The S3 SDK (some 30 modules), loaded when a remote cache is made: a build without one never loads it.
 * Its CommonJS entry, the one `import` would give (`require` keeps the constructor synchronous).
 */
let sdk: typeof S3 | undefined;
const s3 = (): typeof S3 => (sdk ??= createRequire(import.meta.url)('@aws-sdk/client-s3') as typeof S3);

/** What the config says about the remote cache. */
export interface RemoteCacheSettings {
  /** `s3://bucket/prefix` */
  url: string;
  /** Read, never write (pull requests, laptops: machines that must not be able to poison the cache). */
  readOnly: boolean;
  /** Fail the build when the remote cannot be used, instead of switching it off and building locally. */
  required: boolean;
}

export interface RemoteCacheTuning {
  /** Deadline of one request (with its retry), ms. A hung server costs at most this per request in flight. */
  timeoutMs: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Failed requests after which the remote is switched off for the rest of the run. */
  maxFailures: number;
  /** Uploads waiting or in flight before `put` makes its caller wait. */
  maxQueue: number;
}

export const DEFAULT_TUNING: RemoteCacheTuning = { timeoutMs: 3000, concurrency: 16, maxFailures: 3, maxQueue: 256 };

/** Remote requests of one run (or since `snapshot`). `damaged`: objects that failed verification (counted as misses too). */
export interface RemoteCounts {
  /** Bottleneck vectors. */
  hits: number;
  misses: number;
  uploads: number;
  /** Failed requests and damaged objects, of every kind. */
  errors: number;
  damaged: number;
  /** Trained heads. */
  heads: ObjectCounts;
  /** Converted ONNX graphs. */
  graphs: ObjectCounts;
}

export interface ObjectCounts {
  hits: number;
  misses: number;
  uploads: number;
}

/** What the remote cache holds besides vectors: trained heads (by training fingerprint), converted ONNX graphs (by model content + conversion). */
export type BlobTable = 'heads' | 'graphs';

type Table = 'bottlenecks' | BlobTable;

/**
 * A content-addressed cache on an S3 API object store, behind the local LMDB. Endpoint, region and
 * credentials come from the AWS SDK's standard chain (AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, profiles…).
 *
 * Values are self-verifying (key + payload digest, checked on read: a mismatch is a miss and one warning)
 * and written once: the first writer wins, by a conditional PUT (`If-None-Match: *`) where the store supports
 * it and a HEAD check where it answers 501. A damaged object is the one thing overwritten.
 *
 * Requests have a deadline; after a few failures the remote is switched off for the rest of the run with one
 * warning, so a down, hung or refusing store costs seconds and the build finishes locally — unless the
 * remote is `required`, when every later call fails with that reason.
 */
export class RemoteCache {
  readonly counts: RemoteCounts = { hits: 0, misses: 0, uploads: 0, errors: 0, damaged: 0, heads: { hits: 0, misses: 0, uploads: 0 }, graphs: { hits: 0, misses: 0, uploads: 0 } };
  /** Where warnings go (the current build's event sink). */
  warn: (message: string) => void = () => {};
  readonly url: string;
  private readonly location: RemoteLocation;
  private readonly client: S3.S3Client;
  private readonly limiter: Limiter;
  private readonly uploads = new Set<Promise<void>>();
  private readonly damagedKeys = new Set<string>();
  private failures = 0;
  private off?: Error;
  private conditionalPut?: boolean;

  constructor(
    readonly settings: RemoteCacheSettings,
    private readonly tuning: RemoteCacheTuning = DEFAULT_TUNING,
  ) {
    this.url = settings.url;
    this.location = parseRemoteUrl(settings.url, 'remoteCache');
    this.limiter = new Limiter(tuning.concurrency);
    const requestTimeout = Math.max(500, Math.floor(tuning.timeoutMs / 2));
    this.client = new (s3().S3Client)({
      // Path-style requests work on every S3 API store (Swift, MinIO, Ceph) and on AWS.
      forcePathStyle: true,
      maxAttempts: 2,
      // Integrity is our own digest (and Content-MD5 on upload); not every store knows the newer checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: Math.min(1000, requestTimeout), requestTimeout, throwOnRequestTimeout: true },
      region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    });
  }

  /** False once switched off for this run. */
  get enabled(): boolean {
    return this.off === undefined;
  }

  snapshot(): RemoteCounts {
    return { ...this.counts, heads: { ...this.counts.heads }, graphs: { ...this.counts.graphs } };
  }

  /** The vector stored under `key`, or undefined (absent, damaged, or the remote is off). */
  async getVector(key: string): Promise<Float32Array | undefined> {
    const bytes = await this.get('bottlenecks', key);
    if (!bytes) return undefined;
    if (bytes.byteLength % 4 !== 0) return this.damaged(key, `${bytes.byteLength} bytes is not whole float32 values`);
    const floats = new Float32Array(bytes.byteLength / 4);
    new Uint8Array(floats.buffer).set(bytes);
    return floats;
  }

  /**
   * Queues the upload of a computed vector and returns once it is queued (at once, unless `maxQueue` uploads
   * are pending: then the caller waits, which bounds memory). `flush` waits for the uploads.
   */
  async putVector(key: string, vector: Float32Array): Promise<void> {
    await this.queueUpload('bottlenecks', key, new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
  }

  /** Another kind of value (a trained head, a converted graph), verified like a vector; undefined when absent, damaged or off. */
  getBlob(table: BlobTable, key: string): Promise<Uint8Array | undefined> {
    return this.get(table, key);
  }

  /** Queues the upload of another kind of value, as `putVector` does. */
  async putBlob(table: BlobTable, key: string, payload: Uint8Array): Promise<void> {
    await this.queueUpload(table, key, payload);
  }

  private async queueUpload(table: Table, key: string, payload: Uint8Array): Promise<void> {
    if (this.settings.readOnly || !this.enabled) return;
    while (this.uploads.size >= this.tuning.maxQueue) await Promise.race(this.uploads);
    const body = encodeObject(key, payload);
    const upload: Promise<void> = this.upload(table, key, body).then(() => undefined).finally(() => this.uploads.delete(upload));
    this.uploads.add(upload);
  }

  /** Uploads a vector now: true once it is in the store (written, or there already), false when it could not be. */
  async storeVector(key: string, vector: Float32Array): Promise<boolean> {
    if (this.settings.readOnly) return false;
    return this.upload('bottlenecks', key, encodeObject(key, new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength)));
  }

  /** Resolves when every queued upload has finished (or failed, counted). */
  async flush(): Promise<void> {
    while (this.uploads.size > 0) await Promise.allSettled([...this.uploads]);
  }

  close(): void {
    this.client.destroy();
  }

  /** The counters of `table`'s hits, misses and uploads (errors and damage are counted for all). */
  private tally(table: Table): ObjectCounts {
    return table === 'bottlenecks' ? this.counts : this.counts[table];
  }

  private async get(table: Table, key: string): Promise<Uint8Array | undefined> {
    this.failIfRequiredAndOff();
    const Key = remoteObjectName(this.location.prefix, table, key);
    const result = await this.call(async (abortSignal) => {
      try {
        const response = await this.client.send(new (s3().GetObjectCommand)({ Bucket: this.location.bucket, Key }), { abortSignal });
        return await response.Body!.transformToByteArray();
      } catch (error) {
        // A missing bucket (a typo in the URL) also answers 404, but it is no miss: it is a remote that cannot hit.
        if (status(error) === 404 && !missingBucket(error)) return undefined;
        throw error;
      }
    });
    if (result === FAILED) return undefined;
    if (result === undefined) {
      this.tally(table).misses++;
      return undefined;
    }
    const decoded = decodeObject(key, result);
    if ('problem' in decoded) return this.damaged(key, decoded.problem, table);
    this.tally(table).hits++;
    return decoded.payload;
  }

  private damaged(key: string, problem: string, table: Table = 'bottlenecks'): undefined {
    this.tally(table).misses++;
    this.counts.damaged++;
    this.damagedKeys.add(key);
    this.warn(`remote cache ${this.url}: the object of ${key} is damaged (${problem}); computing it again and replacing it`);
    return undefined;
  }

  private async upload(table: Table, key: string, body: Buffer): Promise<boolean> {
    const Key = remoteObjectName(this.location.prefix, table, key);
    const put = (ifNoneMatch: boolean) =>
      this.call((abortSignal) =>
        this.client.send(
          new (s3().PutObjectCommand)({
            Bucket: this.location.bucket,
            Key,
            Body: body,
            ContentMD5: createHash('md5').update(body).digest('base64'),
            ContentType: 'application/octet-stream',
            IfNoneMatch: ifNoneMatch ? '*' : undefined,
          }),
          { abortSignal },
        ).then(
          () => 'written' as const,
          (error) => {
            const code = status(error);
            if (ifNoneMatch && (code === 412 || code === 409)) return 'exists' as const;
            if (ifNoneMatch && code === 501) return 'unsupported' as const;
            throw error;
          },
        ),
      );
    const overwrite = this.damagedKeys.has(key);
    if (!overwrite && this.conditionalPut !== false) {
      const outcome = await put(true);
      if (outcome === FAILED) return false;
      if (outcome === 'exists') return true;
      if (outcome === 'written') {
        this.conditionalPut = true;
        this.tally(table).uploads++;
        return true;
      }
      this.conditionalPut = false; // 501: this store has no conditional PUT; HEAD first from now on
    }
    if (!overwrite) {
      const exists = await this.call((abortSignal) =>
        this.client.send(new (s3().HeadObjectCommand)({ Bucket: this.location.bucket, Key }), { abortSignal }).then(
          () => true,
          (error) => {
            if (status(error) === 404) return false;
            throw error;
          },
        ),
      );
      if (exists !== false) return exists === true;
    }
    if ((await put(false)) !== 'written') return false;
    this.tally(table).uploads++;
    this.damagedKeys.delete(key);
    return true;
  }

  /**
   * One request under the concurrency limit and the deadline. A failure is counted; the `maxFailures`-th
   * switches the remote off with one warning (or, when required, makes later calls fail).
   */
  private async call<T>(send: (signal: AbortSignal) => Promise<T>): Promise<T | typeof FAILED> {
    return this.limiter.run(async () => {
      if (this.off) return FAILED;
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new Error(`no answer within ${this.tuning.timeoutMs} ms`));
        }, this.tuning.timeoutMs);
      });
      try {
        const result = await Promise.race([send(controller.signal), deadline]);
        this.failures = 0;
        return result;
      } catch (error) {
        this.failed(error as Error);
        return FAILED;
      } finally {
        clearTimeout(timer);
      }
    });
  }

  private failed(error: Error): void {
    this.counts.errors++;
    this.failures++;
    if (this.off || this.failures < this.tuning.maxFailures) return;
    const reason = missingBucket(error) ? `the bucket "${this.location.bucket}" does not exist (${describe(error)}); create it or correct the URL` : describe(error);
    this.off = new Error(`remote cache ${this.url} cannot be used: ${reason}${this.settings.required ? ' (--remote-cache-required)' : ''}`);
    if (!this.settings.required) this.warn(`remote cache ${this.url} switched off for this run after ${this.failures} failed requests (${reason}); building locally`);
  }

  private failIfRequiredAndOff(): void {
    if (this.off && this.settings.required) throw this.off;
  }

  /** Throws when the remote is required and was switched off (call after a build's remote work). */
  check(): void {
    this.failIfRequiredAndOff();
  }
}

const FAILED = Symbol('failed');

function status(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** The store's answer for a bucket that does not exist (its error code; a HEAD's 404 has no body to say it). */
function missingBucket(error: unknown): boolean {
  const { name, Code } = (error ?? {}) as { name?: string; Code?: string };
  return name === 'NoSuchBucket' || Code === 'NoSuchBucket';
}

/** One short phrase for a failed request: the HTTP status and code, or the network error. */
function describe(error: Error): string {
  const code = status(error);
  const cause = (error as { code?: string }).code ?? (error as { errno?: string }).errno;
  if (code) return `HTTP ${code} ${error.name}`;
  const message = error.message?.split('\n')[0] || error.name;
  return cause && !message.includes(String(cause)) ? `${cause}: ${message}` : message;
}
