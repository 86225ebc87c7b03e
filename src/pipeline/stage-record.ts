import { statSync } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { STAGE_RECORD_FORMAT, stageRecordName } from '../store/keys.js';
import { writeFileAtomicChunks } from '../util/atomic-write.js';
import { errnoText } from '../util/errno-text.js';
import { printable } from '../util/printable.js';
import type { StageRunRecord } from './stage.js';

/** An image as the last build saw it: enough for `retrain status` to tell new, changed and removed images. */
export interface RecordedImage {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** What the last completed build into one output folder ran each stage with. */
export interface StageRecord {
  format: typeof STAGE_RECORD_FORMAT;
  outputDir: string;
  stages: Record<string, StageRunRecord>;
  /** By absolute path. */
  images: Record<string, RecordedImage>;
  /** Files the build skipped (unreadable, not an image): not new to `retrain status`. */
  skipped: string[];
}

/** `<cacheDir>/stages/<hash of the output folder>.json`: one record per output folder sharing the cache. */
export function stageRecordFile(cacheDir: string, outputDir: string): string {
  return path.join(cacheDir, 'stages', stageRecordName(path.resolve(outputDir)));
}

export async function readStageRecord(cacheDir: string, outputDir: string): Promise<StageRecord | undefined> {
  const read = await readStageRecordState(cacheDir, outputDir);
  return 'record' in read ? read.record : undefined;
}

/** The record, or none (no build yet), or why the file there is not a record: `retrain status` says which. */
export async function readStageRecordState(
  cacheDir: string,
  outputDir: string,
): Promise<{ record: StageRecord } | { missing: true } | { damaged: string; file: string }> {
  const file = stageRecordFile(cacheDir, outputDir);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
    return { damaged: `cannot be read: ${errnoText(error)}`, file };
  }
  let record: StageRecord;
  try {
    record = JSON.parse(text) as StageRecord;
  } catch (error) {
    return { damaged: text.trim() === '' ? 'empty' : `not valid JSON: ${printable((error as Error).message)}`, file };
  }
  if (record === null || typeof record !== 'object') return { damaged: 'not a JSON object', file };
  if (record.format !== STAGE_RECORD_FORMAT) return { damaged: `format ${JSON.stringify(record.format ?? null)}, not ${STAGE_RECORD_FORMAT}`, file };
  if (typeof record.stages !== 'object' || record.stages === null || typeof record.images !== 'object' || record.images === null || !Array.isArray(record.skipped)) {
    return { damaged: 'stages, images or skipped missing', file };
  }
  return { record };
}

/** The images a record lists, by index (a data set's columns). */
export interface RecordRows {
  readonly count: number;
  path(i: number): string;
  sha256(i: number): string;
}

/**
 * Written after a build completes (atomically), so it always describes what the output folder holds. The text is
 * JSON.stringify of the StageRecord, made and compared piece by piece: at 1,000,000 images it is 168 MB, and
 * holding it, the file's old text and the record object at once was the peak of a rebuild's memory.
 */
export async function writeStageRecord(
  cacheDir: string,
  outputDir: string,
  stages: ReadonlyMap<string, StageRunRecord>,
  images: RecordRows,
  skipped: readonly string[],
): Promise<void> {
  // Each image's file facts, taken once: columns, not an object per image.
  const size = new Float64Array(images.count);
  const mtimeMs = new Float64Array(images.count);
  const present = new Uint8Array(images.count);
  for (let i = 0; i < images.count; i++) {
    const stat = statSync(images.path(i), { throwIfNoEntry: false });
    if (!stat) continue;
    size[i] = stat.size;
    mtimeMs[i] = stat.mtimeMs;
    present[i] = 1;
  }
  // Byte for byte JSON.stringify of the record: its image paths are absolute, never the integer-like keys an
  // object would put first.
  const pieces = function* (): Generator<string> {
    const head: Omit<StageRecord, 'images' | 'skipped'> = { format: STAGE_RECORD_FORMAT, outputDir, stages: Object.fromEntries(stages) };
    yield `${JSON.stringify(head).slice(0, -1)},"images":{`;
    let chunk = '';
    let first = true;
    for (let i = 0; i < images.count; i++) {
      if (!present[i]) continue;
      const recorded: RecordedImage = { size: size[i]!, mtimeMs: mtimeMs[i]!, sha256: images.sha256(i) };
      chunk += `${first ? '' : ','}${JSON.stringify(images.path(i))}:${JSON.stringify(recorded)}`;
      first = false;
      if (chunk.length >= CHUNK) {
        yield chunk;
        chunk = '';
      }
    }
    yield `${chunk}},"skipped":${JSON.stringify([...skipped])}}`;
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
async function writeIfChanged(file: string, pieces: Iterable<string>): Promise<void> {
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
        const expected = Buffer.from(piece.value, 'utf8');
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
