import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { seal, unseal } from '../store/sealed-value.js';
import { UP_TO_DATE_RECORD_FORMAT, upToDateRecordName } from '../store/keys.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { BuildResult } from './build-result.js';

/** size, mtime and inode of the cache's data file: LMDB writes change them. */
export interface FileFacts {
  size: number;
  mtimeMs: number;
  ino: number;
}

/**
 * What a completed build into one output folder saw and gave, in a few hundred bytes plus its skipped files (and the
 * classes and confusion matrix):
 * a rebuild whose listing, inputs, cache file and export match it is up to date without per-image work
 * (src/pipeline/up-to-date-build.ts). The per-image detail for `retrain status` stays in the stage record.
 */
export interface UpToDateRecord {
  format: typeof UP_TO_DATE_RECORD_FORMAT;
  /** Absolute. */
  outputDir: string;
  /** listingDigest of the scan, taken before any file was hashed. */
  listing: string;
  /** buildInputsKey: the resolved config, the model's identity and the engine. */
  inputs: string;
  /** The cache's data file after the build's last write (null: none). */
  cacheFile: FileFacts | null;
  /** The stage record (`retrain status`) as the build left it: damaged or removed since, the full path writes it again. */
  stageRecordFile?: FileFacts | null;
  /** The export stage's key: the manifest's `buildFingerprint`. */
  exportKey: string;
  /** What the split said (counts, notes), said again by an up-to-date build. */
  splitMessages: Array<{ type: 'info' | 'warning'; message: string }>;
  /** How many distorted variants the augment stage had (cached now), said again by an up-to-date build. */
  variants: number;
  /** Files the hash and bottleneck stages skipped, with why (the scan's own are found again by the scan). */
  skipped: Array<{ file: string; reason: string }>;
  /**
   * Where the evaluate stage stored its evaluation (readEvaluation): the misclassified test images are read there
   * once the rebuild is known to be up to date, not held here (at 1,000,000 images they were 7.6 MB of this record,
   * read by every rebuild that then took the full path).
   */
  evaluation: string;
  /** The result as a rebuild with nothing to do gives it (nothing computed, trained or exported), but its misclassified images. */
  result: Omit<BuildResult, 'durationMs' | 'remote' | 'skipped' | 'misclassified'>;
}

/** `<cacheDir>/stages/<hash of the output folder>.up-to-date`, beside the stage record. */
export function upToDateRecordFile(cacheDir: string, outputDir: string): string {
  return path.join(cacheDir, 'stages', upToDateRecordName(path.resolve(outputDir)));
}

const sealKey = (outputDir: string) => `${UP_TO_DATE_RECORD_FORMAT}:${path.resolve(outputDir)}`;

/** The record, or undefined when absent, unreadable, of another format or failing its checksum (then the build takes the full path). */
export function readUpToDateRecord(cacheDir: string, outputDir: string): UpToDateRecord | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(upToDateRecordFile(cacheDir, outputDir));
  } catch {
    return undefined;
  }
  const payload = unseal(sealKey(outputDir), bytes);
  if (!payload) return undefined;
  try {
    const record = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8')) as UpToDateRecord;
    if (record?.format !== UP_TO_DATE_RECORD_FORMAT || record.outputDir !== path.resolve(outputDir)) return undefined;
    if (typeof record.listing !== 'string' || typeof record.inputs !== 'string' || typeof record.exportKey !== 'string' || typeof record.evaluation !== 'string') return undefined;
    if (!Array.isArray(record.skipped) || !Array.isArray(record.splitMessages) || typeof record.variants !== 'number' || typeof record.result !== 'object' || record.result === null) return undefined;
    return record;
  } catch {
    return undefined;
  }
}

/** Sealed with its output folder and written atomically. */
export async function writeUpToDateRecord(cacheDir: string, record: UpToDateRecord): Promise<void> {
  await writeFileAtomic(upToDateRecordFile(cacheDir, record.outputDir), seal(sealKey(record.outputDir), Buffer.from(JSON.stringify(record))));
}

/** The facts of `file` now, or null when it does not exist. */
export function fileFacts(file: string): FileFacts | null {
  const stat = statSync(file, { throwIfNoEntry: false });
  return stat ? { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino } : null;
}

export function sameFacts(a: FileFacts | null, b: FileFacts | null): boolean {
  return a === null || b === null ? a === b : a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}
