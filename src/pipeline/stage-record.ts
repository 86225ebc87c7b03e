import { statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { STAGE_RECORD_FORMAT, stageRecordName } from '../store/keys.js';
import { writeFileAtomic } from '../util/atomic-write.js';
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
  const text = await fs.readFile(stageRecordFile(cacheDir, outputDir), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const record = JSON.parse(text) as StageRecord;
    return record.format === STAGE_RECORD_FORMAT ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Written after a build completes (atomically), so it always describes what the output folder holds. */
export async function writeStageRecord(
  cacheDir: string,
  outputDir: string,
  stages: ReadonlyMap<string, StageRunRecord>,
  images: ReadonlyArray<{ path: string; sha256: string }>,
  skipped: readonly string[],
): Promise<void> {
  const recorded: Record<string, RecordedImage> = {};
  for (const image of images) {
    const stat = statSync(image.path, { throwIfNoEntry: false });
    if (stat) recorded[image.path] = { size: stat.size, mtimeMs: stat.mtimeMs, sha256: image.sha256 };
  }
  const record: StageRecord = { format: STAGE_RECORD_FORMAT, outputDir, stages: Object.fromEntries(stages), images: recorded, skipped: [...skipped] };
  const file = stageRecordFile(cacheDir, outputDir);
  const text = JSON.stringify(record);
  // A no-op rebuild leaves the record as it is.
  if ((await fs.readFile(file, 'utf8').catch(() => undefined)) === text) return;
  await writeFileAtomic(file, text);
}
