import fs from 'node:fs/promises';
import type { Classifier } from '../export/load-classifier.js';
import { scanImageDirs } from '../images/scan-image-dirs.js';
import { brokenLinkText } from '../util/broken-link.js';
import { errnoText } from '../util/errno-text.js';
import { classMetrics, type ClassMetrics } from '../core/class-metrics.js';

export interface FolderEvaluation {
  accuracy: number;
  count: number;
  labels: string[];
  confusion: number[][];
  classes: ClassMetrics[];
  misclassified: Array<{ file: string; label: string; predicted: string; score: number }>;
  skipped: Array<{ file: string; reason: string }>;
  /** What the scan left out, one line per kind (empty class folders, files that are no image, …), as a build says them. */
  warnings: string[];
}

export class EvaluateError extends Error {
  override name = 'EvaluateError';
}

/**
 * Runs an exported model on every image of a folder with one sub-folder per class (labels normalised as in
 * training: the Unicode rule, or the original's ASCII rule when the model was trained with it; one class is
 * enough) and measures it. Images that cannot be read or decoded are listed, not fatal.
 */
export async function evaluateFolder(model: Pick<Classifier, 'manifest' | 'classify'>, imageDirs: string[], onProgress?: (done: number, total: number) => void): Promise<FolderEvaluation> {
  const labels = model.manifest.labels;
  for (const dir of imageDirs) {
    const stat = await fs.stat(dir).catch(async (error: unknown) => {
      throw new EvaluateError(`${dir}: ${(await brokenLinkText(dir)) ?? errnoText(error)}; --image_dir names a folder with one sub-folder of images per class`);
    });
    if (!stat.isDirectory()) throw new EvaluateError(`${dir}: is a file; --image_dir names a folder with one sub-folder of images per class`);
  }
  // A scan's labels are those of its images.
  const unknownOf = (scanned: { labels: string[] }) => scanned.labels.filter((l) => !labels.includes(l));
  let scan = await scanImageDirs(imageDirs, { minClasses: 1, warnFewImages: false });
  let { images } = scan;
  let unknown = unknownOf(scan);
  if (unknown.length > 0) {
    // A model trained with `labels: 'original'`: its labels are the folder names under the original's rule.
    const original = await scanImageDirs(imageDirs, { labels: 'original', minClasses: 1, warnFewImages: false });
    if (unknownOf(original).length === 0) [scan, images, unknown] = [original, original.images, []];
  }
  if (unknown.length > 0) {
    throw new EvaluateError(`${imageDirs.join(', ')}: classes the model does not know: ${unknown.join(', ')} (it knows ${labels.join(', ')})`);
  }
  const confusion = labels.map(() => labels.map(() => 0));
  const misclassified: FolderEvaluation['misclassified'] = [];
  const skipped: FolderEvaluation['skipped'] = [...scan.skipped];
  let done = 0;
  for (const image of images) {
    try {
      const bytes = await fs.readFile(image.path).catch((error: unknown) => {
        throw new Error(`cannot read (${errnoText(error)})`);
      });
      const [best] = await model.classify(bytes, 1);
      const truth = labels.indexOf(image.label);
      const predicted = labels.indexOf(best!.label);
      confusion[truth]![predicted]!++;
      if (truth !== predicted) misclassified.push({ file: image.path, label: image.label, predicted: best!.label, score: best!.score });
    } catch (error) {
      skipped.push({ file: image.path, reason: (error as Error).message });
    }
    onProgress?.(++done, images.count);
  }
  const count = confusion.flat().reduce((a, b) => a + b, 0);
  const correct = labels.reduce((sum, _, c) => sum + confusion[c]![c]!, 0);
  return { accuracy: count ? correct / count : NaN, count, labels, confusion, classes: classMetrics(confusion, labels), misclassified, skipped, warnings: scan.warnings };
}
