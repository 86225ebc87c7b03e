import path from 'node:path';
import sharp from 'sharp';
import type { Evaluation } from '../core/evaluate-head.js';
import type { HistogramSummary } from '../core/histogram.js';
import type { AuditReport } from '../core/audit/audit.js';
import { auditPaths, auditSectionsHtml } from './audit-html.js';
import { htmlReport } from './html-report.js';
import { eventFile, eventFileName } from './tensorboard-events.js';
import type { EvalPoint } from '../core/train-head.js';

export interface ReportFilesInput {
  labels: string[];
  log: EvalPoint[];
  histograms: HistogramSummary[];
  test: Evaluation;
  validation: Evaluation;
  details: Array<[string, string]>;
  wallTime: number;
  /** Adds the audit's sections, with thumbnails. */
  audit?: AuditReport;
}

/**
 * The files a build adds beside the model: `report.html` and TensorBoard event files for training and
 * validation (`logs/train`, `logs/validation`), as relative path → content.
 */
export async function reportFiles(input: ReportFilesInput): Promise<Map<string, string | Uint8Array>> {
  const { labels, log, test } = input;
  const files = new Map<string, string | Uint8Array>();
  const misclassified = await mapAtMost(THUMBNAILS_AT_ONCE, test.misclassified.slice(0, MISCLASSIFIED_SHOWN), async (m) => ({
    file: m.path,
    label: labels[m.label]!,
    predicted: labels[m.predicted]!,
    thumbnail: await thumbnail(m.path),
  }));
  let auditHtml: string | undefined;
  if (input.audit) {
    const thumbnails = new Map<string, string>();
    for (const file of auditPaths(input.audit)) {
      const data = await thumbnail(file);
      if (data) thumbnails.set(file, data);
    }
    auditHtml = auditSectionsHtml(input.audit, thumbnails);
  }
  files.set(
    'report.html',
    htmlReport({
      title: `retrain: ${labels.join(', ')}`,
      labels,
      log,
      testAccuracy: Number.isFinite(test.accuracy) ? test.accuracy : null,
      testCount: test.count,
      validationAccuracy: Number.isFinite(input.validation.accuracy) ? input.validation.accuracy : null,
      confusion: test.confusion,
      misclassified,
      misclassifiedTotal: test.misclassified.length,
      details: input.details,
      auditHtml,
    }),
  );
  const name = eventFileName(input.wallTime);
  const scalars = (pick: (p: EvalPoint) => [number | undefined, number | undefined]) =>
    log.flatMap((p) => {
      const [accuracy, crossEntropy] = pick(p);
      return [
        ...(accuracy === undefined ? [] : [{ step: p.step, tag: 'accuracy', value: accuracy }]),
        ...(crossEntropy === undefined ? [] : [{ step: p.step, tag: 'cross_entropy', value: crossEntropy }]),
      ];
    });
  files.set(path.join('logs', 'train', name), eventFile(input.wallTime, scalars((p) => [p.trainAccuracy, p.crossEntropy]), input.histograms));
  files.set(path.join('logs', 'validation', name), eventFile(input.wallTime, scalars((p) => [p.validationAccuracy, p.validationCrossEntropy])));
  return files;
}

/**
 * The misclassified test images the page shows, with thumbnails, in the evaluation's order. A page of all of them
 * was 61 MB at 1,000,000 generated images (83,188 thumbnails, 425 s to make); `retrain eval --json` lists them all.
 */
export const MISCLASSIFIED_SHOWN = 500;

/**
 * Thumbnails made at once: enough to keep sharp's threads busy. All of a large test set's misclassified images
 * at once (90,000 at 1,000,000 images) held every decoded image and pipeline together: +350 MB of the
 * process's own memory at 100,000 generated images.
 */
const THUMBNAILS_AT_ONCE = 8;

/** `items.map(work)`, in order, with at most `max` calls of `work` pending at a time. */
async function mapAtMost<T, R>(max: number, items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(max, items.length) }, worker));
  return results;
}

/** A small JPEG of an image as a data URL, or undefined when it cannot be read. */
export async function thumbnail(file: string): Promise<string | undefined> {
  try {
    const jpeg = await sharp(file, { pages: 1, failOn: 'none' }).rotate().resize(160, 160, { fit: 'cover' }).jpeg({ quality: 70 }).toBuffer();
    return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
  } catch {
    return undefined;
  }
}
