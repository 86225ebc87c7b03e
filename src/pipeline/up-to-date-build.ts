import fs from 'node:fs/promises';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { readManifest } from '../export/read-manifest.js';
import { modelFilesDamage } from '../export/model-files.js';
import { listingDigest } from '../images/listing-digest.js';
import { scanImageDirs, type ScanResult } from '../images/scan-image-dirs.js';
import { distortionsActive } from '../core/distortions.js';
import { cacheDataFile } from '../store/retrain-cache.js';
import { buildInputsKey } from '../store/keys.js';
import type { EmitEvent } from './build-events.js';
import type { BuildResult } from './build-result.js';
import { stageRecordFile } from './stage-record.js';
import { readEvaluation } from './stored-evaluation.js';
import { fileFacts, readUpToDateRecord, sameFacts, type UpToDateRecord } from './up-to-date-record.js';

/** What the up-to-date check compares besides the images. */
export interface BuildInputs {
  config: ResolvedConfig;
  /** modelIdentityKey of the model's identity, decided for this build. */
  modelIdentity: string;
  /** What computes the bottlenecks. */
  engine: string;
}

/** The key of a build's inputs other than the images, or undefined when the config cannot be keyed. */
export function buildInputs({ config, modelIdentity, engine }: BuildInputs): string | undefined {
  try {
    return buildInputsKey(config, modelIdentity, engine);
  } catch {
    return undefined;
  }
}

/**
 * A rebuild with nothing to do, decided like make decides a target is up to date: the last completed build
 * into this output folder recorded one digest of its file listing (path, size, times, inode per image),
 * the key of its inputs (config, model identity, engine), the cache file's facts and the exported model's
 * key. When all of them are as recorded, every stage's key is the recorded one (the listing determines
 * the content hashes, they and the inputs determine every downstream key), so the recorded result is the
 * result: no per-image record is built, no cache key looked up, the cache is not even opened.
 *
 * Anything else (no record, a damaged one, a touched, added, removed or renamed file, another setting or
 * model, a cache written since, another model in the output folder) gives undefined: the build takes the
 * full path, which costs time, never correctness. Events are emitted only when the answer is yes. When the
 * folders were scanned and the listing had changed, that scan is handed back for the full path to use.
 */
export async function upToDateBuild(inputs: BuildInputs, emit: EmitEvent): Promise<{ result: BuildResult } | { scanned?: ScanResult }> {
  const started = performance.now();
  const { config } = inputs;
  const record = readUpToDateRecord(config.cacheDir, config.outputDir);
  if (!record || record.inputs !== buildInputs(inputs)) return {};
  if (!sameFacts(record.cacheFile, fileFacts(cacheDataFile(config.cacheDir)))) return {};
  // A stage record touched since (damaged, removed): the full path writes it again, so `retrain status` can compare.
  if (!record.stageRecordFile || !sameFacts(record.stageRecordFile, fileFacts(stageRecordFile(config.cacheDir, config.outputDir)))) return {};
  const manifest = await readManifest(config.outputDir);
  if (manifest?.buildFingerprint !== record.exportKey) return {};
  // A model file damaged since the export: the full path's export stage says so and writes the model again.
  if ((await modelFilesDamage(config.outputDir, manifest.files)) !== undefined) return {};
  if (config.outputLabels !== undefined && !(await holds(config.outputLabels, record.result.classes.join('\n') + '\n'))) return {};
  // The scan's errors (no image folder, too few classes) are the build's, as on the full path.
  const scan = await scanImageDirs(config.imageDirs, { labels: config.labels });
  if (listingDigest(scan.labels, scan.images) !== record.listing) return { scanned: scan };
  // The misclassified test images, from the evaluation the build stored (gone or damaged since: the full path).
  const evaluation = await readEvaluation(config.cacheDir, record.evaluation);
  if (!evaluation) return { scanned: scan };
  const classes = record.result.classes;
  const misclassified = evaluation.test.misclassified.map((m) => ({ file: m.path, label: classes[m.label]!, predicted: classes[m.predicted]! }));
  replayEvents(record, scan, distortionsActive(config.distortions), emit);
  return { result: { ...record.result, misclassified, skipped: [...scan.skipped, ...record.skipped], durationMs: Math.round(performance.now() - started) } };
}

/** The stage events of an up-to-date build, in pipeline order, with what the scan found and the split said. */
function replayEvents(record: UpToDateRecord, scan: ScanResult, distortions: boolean, emit: EmitEvent): void {
  const stage = (name: string, status: 'start' | 'done' | 'up-to-date', detail?: string) =>
    emit({ type: 'stage', stage: name, status, ...(detail !== undefined ? { detail } : {}) });
  const same = 'as the last build (listing, settings, model and cache unchanged)';
  stage('scan', 'start');
  for (const message of scan.warnings) emit({ type: 'warning', message });
  for (const { file, reason } of scan.skipped) emit({ type: 'skipped', file, reason });
  emit({ type: 'scanned', images: scan.images.count, labels: scan.labels });
  stage('scan', 'done', `${scan.images.count} images in ${scan.labels.length} classes`);
  stage('hash', 'up-to-date', `${scan.images.count} files listed ${same}`);
  for (const { file, reason } of record.skipped) emit({ type: 'skipped', file, reason });
  const cached = record.result.bottlenecksCached;
  emit({ type: 'bottleneck-progress', done: cached, total: cached, computed: 0, cached });
  stage('bottleneck', 'up-to-date', `${cached} vectors cached`);
  stage('split', 'up-to-date', `same images and percentages ${same}`);
  for (const message of record.splitMessages) emit(message);
  stage('augment', 'up-to-date', distortions ? `${record.variants} variants cached` : 'distortions are off');
  stage('train', 'up-to-date', `same data and settings ${same}`);
  stage('evaluate', 'up-to-date', `same head and sets ${same}`);
  stage('export', 'up-to-date', record.outputDir);
}

async function holds(file: string, text: string): Promise<boolean> {
  return (await fs.readFile(file, 'utf8').catch(() => undefined)) === text;
}
