import { statSync } from 'node:fs';
import fs from 'node:fs/promises';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { readManifest } from '../export/read-manifest.js';
import { modelFilesDamage } from '../export/model-files.js';
import { sha256Hex } from '../util/content-hash.js';
import { plural } from '../util/plural.js';
import { scanImageDirs } from '../images/scan-image-dirs.js';
import { selectInputs } from './stage.js';
import { readStageRecordState, StageRecordDamage, type RecordedEntry, type StageRecordHead, type StageRecordState } from './stage-record.js';
import { comparePaths, rowsInPathOrder, type PathRows } from './path-order.js';
import { STAGE_RECORD_FORMAT } from '../store/keys.js';
import { STAGES } from './stage-declarations.js';

export interface BuildStatus {
  outputDir: string;
  upToDate: boolean;
  /**
   * Why no stage could be compared with the last build (no record of one, or a damaged record), said once;
   * each stage's reasons then say it in a few words.
   */
  record?: string;
  stages: StageStatus[];
}

import type { StageStatus } from './explain-stage.js';

export { explainStage, type StageStatus } from './explain-stage.js';

/**
 * Which stages a build with this config would run, and why: the declared inputs of every stage compared
 * with those of the last completed build into the same output folder. Scans the image folders and hashes
 * the files whose size or time changed; computes, trains and writes nothing. `onWarning` hears the image folders
 * the scan drops (one inside another, or named twice).
 */
export async function buildStatus(config: ResolvedConfig, onWarning?: (message: string) => void): Promise<BuildStatus> {
  // Scanned first, so a missing or empty image folder is the same one-line error as for `retrain build`.
  const scan = await scanImageDirs(config.imageDirs, { labels: config.labels });
  // An image folder inside another (or named twice) is dropped from the scan: said as `retrain build` says it.
  for (const note of scan.rootNotes ?? []) onWarning?.(note);
  const read = await readStageRecordState(config.cacheDir, config.outputDir);
  const manifest = await readManifest(config.outputDir).catch(() => undefined);
  // The record's images are read as a stream and merged with the scan: a record damaged past its header is said
  // to be damaged, as one whose header is.
  let unread: Exclude<StageRecordState, { record: unknown }> | undefined;
  let images: ImageChanges | undefined;
  if ('record' in read) {
    try {
      images = await imageChanges(scan.images, read.record, read.images());
    } catch (error) {
      if (!(error instanceof StageRecordDamage)) throw error;
      unread = { damaged: error.reason, file: error.file };
    }
  } else unread = read;
  if (unread || !images || !('record' in read)) {
    const [record, short] =
      unread && 'damaged' in unread
        ? [`the build record ${unread.file} is damaged (${unread.damaged}): the next build will check every stage against the cache and write the record again`, 'build record damaged']
        : unread && 'older' in unread
          ? [
              `the build record ${unread.file} was written by an older retrain (format ${unread.older}, this one reads ${STAGE_RECORD_FORMAT}): the next build will check every stage against the cache and write the record again`,
              'build record from an older retrain',
            ]
          : [`no record of a build into ${config.outputDir} with the cache in ${config.cacheDir}`, 'no build record'];
    const stages = STAGES.map((stage) => ({ stage: stage.name, upToDate: false, reasons: [short] }));
    if (!manifest) stages.at(-1)!.reasons.push(`no model in ${config.outputDir}`);
    return { outputDir: config.outputDir, upToDate: false, record, stages };
  }
  const record = read.record;
  const stale = new Set<string>();
  const stages: StageStatus[] = [];
  for (const stage of STAGES) {
    const reasons = configChanges(selectInputs(stage, config).keyed, record.stages[stage.name]?.config);
    if (!record.stages[stage.name]) reasons.push('not run by the last build');
    switch (stage.name) {
      case 'scan':
        if (images.added) reasons.push(plural(images.added, 'new file'));
        if (images.removed) reasons.push(plural(images.removed, 'removed file'));
        break;
      case 'hash':
        if (images.changed) reasons.push(`${plural(images.changed, 'file')} changed`);
        if (images.added) reasons.push(`${plural(images.added, 'new file')} to hash`);
        break;
      case 'bottleneck':
        if (images.added || images.changed) {
          reasons.push([images.added ? plural(images.added, 'new image') : '', images.changed ? `${images.changed} changed` : ''].filter(Boolean).join(', '));
        }
        break;
      case 'split':
        if (stale.has('bottleneck')) reasons.push('bottleneck is stale');
        else if (images.removed) reasons.push(plural(images.removed, 'removed image'));
        break;
      case 'augment':
        // Distorted variants only exist when distortions are on; then a new split means new training images.
        if (selectInputs(stage, config).keyed.distortions !== undefined && stale.has('split')) reasons.push('split is stale');
        break;
      case 'train':
      case 'evaluate':
        for (const upstream of ['split', 'augment', 'train']) if (stale.has(upstream)) reasons.push(`${upstream} is stale`);
        break;
      case 'export':
        if (!manifest) reasons.push(`no model in ${config.outputDir}`);
        else if (manifest.buildFingerprint !== record.stages.export?.key) reasons.push(`the model in ${config.outputDir} is not the one the last build exported`);
        else {
          const damage = await modelFilesDamage(config.outputDir, manifest.files);
          if (damage) reasons.push(`the model in ${config.outputDir} ${damage}`);
        }
        if (stale.has('evaluate')) reasons.push('evaluate is stale');
        break;
    }
    if (reasons.length) stale.add(stage.name);
    stages.push({ stage: stage.name, upToDate: reasons.length === 0, reasons });
  }
  return { outputDir: config.outputDir, upToDate: stale.size === 0, stages };
}

/** "train.learningRate 0.01 → 0.1" for each declared value that differs from the recorded one. */
function configChanges(now: Readonly<Record<string, unknown>>, before: Record<string, unknown> | undefined): string[] {
  if (!before) return [];
  const changes: string[] = [];
  for (const name of new Set([...Object.keys(now), ...Object.keys(before)])) {
    const [a, b] = [show(before[name]), show(now[name])];
    if (a !== b) changes.push(`${name} ${a} → ${b}`);
  }
  return changes;
}

function show(value: unknown): string {
  if (value === undefined) return 'unset';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

interface ImageChanges {
  added: number;
  changed: number;
  removed: number;
}

/**
 * New, changed and removed images against the record; a file whose size and time match is not read. A merge of two
 * sequences in path order: the record's images as read, the scanned rows sorted by path (row numbers only). Memory
 * is a row number per scanned image and a batch of the record, never a set of all images.
 */
async function imageChanges(
  scanned: PathRows,
  head: Pick<StageRecordHead, 'skipped' | 'skippedFacts'>,
  recorded: AsyncIterable<RecordedEntry[]>,
): Promise<ImageChanges> {
  const skipped = new Set(head.skipped);
  const facts = head.skippedFacts ?? {};
  /** Skipped by the last build and not changed since (a skipped file that changed is read again: new). */
  const stillSkipped = (file: string) => {
    if (!skipped.has(file)) return false;
    const was = facts[file];
    const stat = was && statSync(file, { throwIfNoEntry: false });
    return !stat || (stat.size === was![0] && stat.mtimeMs === was![1]);
  };
  const order = rowsInPathOrder(scanned);
  let next = 0;
  let added = 0;
  let changed = 0;
  let removed = 0;
  /** The scanned rows before `until` (all that are left, without it) are not in the record: new, unless skipped. */
  const newBefore = (until?: string) => {
    for (; next < order.length; next++) {
      const file = scanned.path(order[next]!);
      if (until !== undefined && comparePaths(file, until) >= 0) return;
      if (!stillSkipped(file)) added++;
    }
  };
  for await (const batch of recorded) {
    for (const known of batch) {
      newBefore(known.path);
      if (next === order.length || scanned.path(order[next]!) !== known.path) {
        removed++;
        continue;
      }
      next++;
      const stat = statSync(known.path, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.size === known.size && stat.mtimeMs === known.mtimeMs) continue;
      const sha256 = await fs.readFile(known.path).then(sha256Hex, () => undefined);
      if (sha256 !== known.sha256) changed++;
    }
  }
  newBefore();
  return { added, changed, removed };
}
