import { statSync } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { STAGE_RECORD_FORMAT, stageRecordName } from '../store/keys.js';
import { writeFileAtomicChunks } from '../util/atomic-write.js';
import { errnoText } from '../util/errno-text.js';
import { printable } from '../util/printable.js';
import { comparePaths, rowsInPathOrder } from './path-order.js';
import type { StageRunRecord } from './stage.js';

/** An image as the last build saw it: enough for `retrain status` to tell new, changed and removed images. */
export interface RecordedImage {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** One of the record's images, in path order. */
export interface RecordedEntry extends RecordedImage {
  /** Absolute. */
  path: string;
}

/** What the last completed build into one output folder ran each stage with: the record's header line. */
export interface StageRecordHead {
  format: typeof STAGE_RECORD_FORMAT;
  outputDir: string;
  stages: Record<string, StageRunRecord>;
  /** Files the build skipped (unreadable, not an image): not new to `retrain status`. */
  skipped: string[];
  /**
   * [size, mtimeMs] of the skipped files that exist, when the record was written (absent when none does): a skipped
   * file changed since (an empty file filled in) is new to `retrain status`, as the next build will read it.
   */
  skippedFacts?: Record<string, [number, number]>;
  /** How many images follow the header. */
  images: number;
}

/** The whole record, every image held by path: what readStageRecord gives (tests, small records). */
export interface StageRecord extends Omit<StageRecordHead, 'images'> {
  /** By absolute path. */
  images: Record<string, RecordedImage>;
}

/**
 * The formats an older retrain wrote: a record of one of them is not damaged, only outdated (the next build
 * writes it again in this format).
 */
const OLDER_FORMATS: readonly string[] = ['retrain-stages@1'];

/** Why a record cannot be read to its end: thrown by the images of a record whose header was fine. */
export class StageRecordDamage extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`the build record ${file} is damaged (${reason})`);
  }
}

/**
 * `<cacheDir>/stages/<hash of the output folder>.json`: one record per output folder sharing the cache. (The name
 * is the one format 1, a JSON object, had: a record an older retrain wrote is found and said to be outdated.)
 *
 * The file: one line of JSON, the StageRecordHead (its first bytes `{"format":"…"`, whatever the format), then
 * `images` entries in path order (comparePaths), each the path's UTF-8 length (uint32 LE), the path's UTF-8 bytes,
 * size and mtimeMs (float64 LE) and the SHA-256 (32 bytes), then nothing. Binary rather than a JSON line per image:
 * at 1,000,000 images 93 MB rather than 136 MB, read in half the CPU time (BENCHMARKS.md).
 */
export function stageRecordFile(cacheDir: string, outputDir: string): string {
  return path.join(cacheDir, 'stages', stageRecordName(path.resolve(outputDir)));
}

/** The record as one object, every image in memory: for tests and small records (status streams it). */
export async function readStageRecord(cacheDir: string, outputDir: string): Promise<StageRecord | undefined> {
  const read = await readStageRecordState(cacheDir, outputDir);
  if (!('record' in read)) return undefined;
  const { images: _count, ...head } = read.record;
  const images: Record<string, RecordedImage> = {};
  for await (const batch of read.images()) for (const { path: file, ...image } of batch) images[file] = image;
  return { ...head, images };
}

/**
 * The recorded images among `paths`, read as a stream (only those are kept: a few changed files of a million-image
 * record), or undefined when there is no readable record.
 */
export async function readRecordedImages(cacheDir: string, outputDir: string, paths: ReadonlySet<string>): Promise<Map<string, RecordedImage> | undefined> {
  const read = await readStageRecordState(cacheDir, outputDir);
  if (!('record' in read)) return undefined;
  const found = new Map<string, RecordedImage>();
  for await (const batch of read.images()) for (const { path: file, ...image } of batch) if (paths.has(file)) found.set(file, image);
  return found;
}

export type StageRecordState =
  /** `images()` reads the entries after the header, a batch at a time, in path order; it throws StageRecordDamage. */
  | { record: StageRecordHead; images: () => AsyncGenerator<RecordedEntry[]> }
  | { missing: true }
  | { damaged: string; file: string }
  /** Written by an older retrain, in `format`. */
  | { older: string; file: string };

/**
 * The record's header, or none (no build yet), or why the file there is not a record (damaged, or written by an
 * older retrain): `retrain status` says which. Reads the header only; the images are read by `images()`.
 */
export async function readStageRecordState(cacheDir: string, outputDir: string): Promise<StageRecordState> {
  const file = stageRecordFile(cacheDir, outputDir);
  let handle: FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
    return { damaged: `cannot be read: ${errnoText(error)}`, file };
  }
  try {
    const stat = await handle.stat();
    let text = Buffer.alloc(0);
    let newline = -1;
    for (;;) {
      const chunk = Buffer.alloc(HEAD_CHUNK);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, text.length);
      text = Buffer.concat([text, chunk.subarray(0, bytesRead)]);
      // The format is said before anything else: a record of another format is not read further.
      const format = /^\{"format":("(?:[^"\\]|\\.)*")/.exec(text.toString('latin1'))?.[1];
      if (format !== undefined && JSON.parse(format) !== STAGE_RECORD_FORMAT) {
        const named = JSON.parse(format) as string;
        return OLDER_FORMATS.includes(named) ? { older: named, file } : { damaged: `format ${printable(format)}, not ${STAGE_RECORD_FORMAT}`, file };
      }
      if (text.length === 0) return { damaged: 'empty', file };
      if (format === undefined && (text.length >= PREFIX.length || bytesRead === 0) && !text.subarray(0, PREFIX.length).equals(PREFIX.subarray(0, text.length))) {
        return { damaged: `not a build record: it starts with ${printable(text.subarray(0, 40).toString('utf8'))}`, file };
      }
      newline = text.indexOf(0x0a);
      if (newline >= 0) break;
      if (bytesRead === 0) return { damaged: 'cut short in its header', file };
    }
    let head: StageRecordHead;
    try {
      head = JSON.parse(text.subarray(0, newline).toString('utf8')) as StageRecordHead;
    } catch (error) {
      return { damaged: `its header is not valid JSON: ${printable((error as Error).message)}`, file };
    }
    if (typeof head.stages !== 'object' || head.stages === null || !Array.isArray(head.skipped) || !Number.isSafeInteger(head.images) || head.images < 0) {
      return { damaged: 'stages, images or skipped missing', file };
    }
    return { record: head, images: () => recordedImages(file, newline + 1, head.images, stat) };
  } finally {
    await handle.close();
  }
}

const PREFIX = Buffer.from('{"format":"');
const HEAD_CHUNK = 1 << 16;
/** Bytes after an entry's path: size, mtimeMs, SHA-256. */
const FIXED = 8 + 8 + 32;
/** Longer than any path a file system gives (PATH_MAX is 4096): a longer length is damage, not a path. */
const MAX_PATH_BYTES = 1 << 16;

/** The entries from byte `start` on, `count` of them, a batch per piece read; the same file as the header was read from. */
async function* recordedImages(file: string, start: number, count: number, was: { ino: number; size: number; mtimeMs: number }): AsyncGenerator<RecordedEntry[]> {
  const handle = await fs.open(file, 'r').catch((error: unknown) => {
    throw new StageRecordDamage(file, `cannot be read: ${errnoText(error)}`);
  });
  try {
    const stat = await handle.stat();
    if (stat.ino !== was.ino || stat.size !== was.size || stat.mtimeMs !== was.mtimeMs) throw new StageRecordDamage(file, 'replaced while it was read');
    let position = start;
    let rest: Buffer = Buffer.alloc(0);
    let read = 0;
    let last: string | undefined;
    while (read < count) {
      const chunk = Buffer.allocUnsafe(Math.max(CHUNK, rest.length + FIXED + 4 + MAX_PATH_BYTES));
      rest.copy(chunk);
      const { bytesRead } = await handle.read(chunk, rest.length, chunk.length - rest.length, position);
      position += bytesRead;
      const bytes = chunk.subarray(0, rest.length + bytesRead);
      if (bytesRead === 0) throw new StageRecordDamage(file, `cut short after ${read} of its ${count} images`);
      const batch: RecordedEntry[] = [];
      let at = 0;
      while (read < count && at + 4 <= bytes.length) {
        const length = bytes.readUInt32LE(at);
        if (length === 0 || length > MAX_PATH_BYTES) throw new StageRecordDamage(file, `image ${read + 1} has a path of ${length} bytes`);
        if (at + 4 + length + FIXED > bytes.length) break;
        const entryPath = bytes.toString('utf8', at + 4, at + 4 + length);
        at += 4 + length;
        const entry = { path: entryPath, size: bytes.readDoubleLE(at), mtimeMs: bytes.readDoubleLE(at + 8), sha256: bytes.toString('hex', at + 16, at + FIXED) };
        at += FIXED;
        if (last !== undefined && comparePaths(last, entryPath) >= 0) throw new StageRecordDamage(file, `its images are not in path order at image ${read + 1}`);
        if (!(entry.size >= 0) || !Number.isFinite(entry.mtimeMs)) throw new StageRecordDamage(file, `image ${read + 1} has no size or time`);
        last = entryPath;
        batch.push(entry);
        read++;
      }
      rest = bytes.subarray(at);
      if (batch.length) yield batch;
    }
    if (rest.length > 0 || (await handle.read(Buffer.alloc(1), 0, 1, position)).bytesRead > 0) throw new StageRecordDamage(file, `more bytes after its ${count} images`);
  } finally {
    await handle.close();
  }
}

/** The images a record lists, by index (a data set's columns). */
export interface RecordRows {
  readonly count: number;
  path(i: number): string;
  sha256(i: number): string;
  /** The size and modification time the file had when it was hashed (not now: a file changed since must differ). */
  size(i: number): number;
  mtimeMs(i: number): number;
}

/**
 * Written after a build completes (atomically), so it always describes what the output folder holds: the header
 * line, then the images in path order (see stageRecordFile), made and compared piece by piece so neither the file's
 * old bytes nor the new ones are held whole. Each image's size and time are those it was hashed with (no stat here:
 * a file changed or removed since the hash differs from its record, and `retrain status` says so). A second row of
 * one path is left out.
 */
export async function writeStageRecord(
  cacheDir: string,
  outputDir: string,
  stages: ReadonlyMap<string, StageRunRecord>,
  images: RecordRows,
  skipped: readonly string[],
): Promise<void> {
  const order = rowsInPathOrder(images);
  // A second row of one path is left out (in path order, it follows the first).
  const present = new Uint8Array(images.count);
  let count = 0;
  for (let k = 0; k < images.count; k++) {
    if (k > 0 && images.path(order[k]!) === images.path(order[k - 1]!)) continue;
    present[k] = 1;
    count++;
  }
  // The skipped files' facts now (a few files; the images' come from the hash stage).
  const skippedFacts: Record<string, [number, number]> = {};
  for (const file of skipped) {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (stat) skippedFacts[file] = [stat.size, stat.mtimeMs];
  }
  const pieces = function* (): Generator<Buffer> {
    const head: StageRecordHead = {
      format: STAGE_RECORD_FORMAT,
      outputDir,
      stages: Object.fromEntries(stages),
      skipped: [...skipped],
      ...(Object.keys(skippedFacts).length > 0 ? { skippedFacts } : {}),
      images: count,
    };
    yield Buffer.from(`${JSON.stringify(head)}\n`, 'utf8');
    let chunk = Buffer.allocUnsafe(CHUNK);
    let at = 0;
    for (let k = 0; k < images.count; k++) {
      if (!present[k]) continue;
      const i = order[k]!;
      const file = images.path(i);
      const sha256 = images.sha256(i);
      const [size, mtimeMs] = [images.size(i), images.mtimeMs(i)];
      if (!(size >= 0) || !Number.isFinite(mtimeMs)) throw new Error(`${file}: no size and time of when it was hashed (${size}, ${mtimeMs})`);
      const length = Buffer.byteLength(file, 'utf8');
      if (at + 4 + length + FIXED > chunk.length) {
        yield chunk.subarray(0, at);
        chunk = Buffer.allocUnsafe(Math.max(CHUNK, 4 + length + FIXED));
        at = 0;
      }
      at = chunk.writeUInt32LE(length, at);
      at += chunk.write(file, at, length, 'utf8');
      at = chunk.writeDoubleLE(size, at);
      at = chunk.writeDoubleLE(mtimeMs, at);
      // A hash that is not 64 hex digits writes fewer than 32 bytes (a regular expression per image cost 0.2 s at 300,000).
      if (sha256.length !== 64 || chunk.write(sha256, at, 32, 'hex') !== 32) throw new Error(`${file}: content hash ${sha256} is not a SHA-256`);
      at += 32;
    }
    yield chunk.subarray(0, at);
  };
  return writeIfChanged(stageRecordFile(cacheDir, outputDir), pieces());
}

const CHUNK = 1 << 20;

/**
 * Writes the text `pieces` make unless the file holds exactly it already (a no-op rebuild leaves the record as it
 * is). The pieces are made once: compared with the file as they come, and from the first that differs the file is
 * written again from the bytes that matched (copied from the old file, through the handle that compared them) and
 * the pieces still to come.
 */
async function writeIfChanged(file: string, pieces: Iterable<Buffer>): Promise<void> {
  const next = pieces[Symbol.iterator]();
  const handle = await fs.open(file, 'r').catch(() => undefined);
  try {
    let matched = 0;
    let differing: Buffer | undefined;
    if (handle) {
      let buffer = Buffer.alloc(0);
      for (let piece = next.next(); ; piece = next.next()) {
        if (piece.done) {
          // Nothing after the text: the file holds it already.
          if ((await handle.read(Buffer.alloc(1), 0, 1, matched)).bytesRead === 0) return;
          break;
        }
        const expected = piece.value;
        if (buffer.length < expected.length) buffer = Buffer.alloc(expected.length);
        const { bytesRead } = await handle.read(buffer, 0, expected.length, matched);
        if (bytesRead !== expected.length || !buffer.subarray(0, bytesRead).equals(expected)) {
          differing = expected;
          break;
        }
        matched += bytesRead;
      }
    }
    await writeFileAtomicChunks(
      file,
      (async function* () {
        if (handle) yield* firstBytes(file, handle, matched);
        if (differing) yield differing;
        for (let piece = next.next(); !piece.done; piece = next.next()) yield piece.value;
      })(),
    );
  } finally {
    await handle?.close();
  }
}

/** The file's first `length` bytes, a piece at a time. */
async function* firstBytes(file: string, handle: FileHandle, length: number): AsyncGenerator<Uint8Array> {
  for (let position = 0; position < length; ) {
    const buffer = Buffer.alloc(Math.min(CHUNK, length - position));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) throw new Error(`${file} was cut short while it was being rewritten`);
    yield buffer.subarray(0, bytesRead);
    position += bytesRead;
  }
}
