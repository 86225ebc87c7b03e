import type { AuditReport } from '../../core/audit/audit.js';
import { classMetrics } from '../../core/class-metrics.js';
import { tooFewImagesMessage } from '../../core/audit/too-few-images.js';

/** One finished build, as the history shows it. */
export interface BuildEntry {
  at: string;
  testAccuracy: number | null;
  validationAccuracy: number | null;
  images: number;
  computed: number;
  trained: boolean;
  durationMs: number;
}

/** The last build's test-set results: images per class, the confusion matrix (confusion[true][predicted]). */
export interface LastBuild {
  classes: string[];
  classCounts: Record<string, number>;
  confusion: number[][];
  testCount: number;
}

/** What changed between the build before and the last one. */
export interface Rebuild {
  files: { added: string[]; changed: string[]; removed: string[] };
  /** Class folders that appeared or disappeared, the config file changed. */
  folders: string[];
  config: boolean;
  testAccuracy: { before: number | null; after: number | null };
  classes: Array<{ label: string; before: number; after: number }>;
  computed: number;
  trained: boolean;
}

/** Everything the server knows; the page gets `pageView(state)` of it. */
export interface UiState {
  builds: BuildEntry[];
  classes: string[];
  lastBuild?: LastBuild;
  rebuild?: Rebuild;
  audit?: AuditReport;
  auditing: boolean;
  error?: string;
}

export type AuditList = 'labelIssues' | 'duplicates' | 'outliers';
export const AUDIT_LISTS: readonly AuditList[] = ['labelIssues', 'duplicates', 'outliers'];

/** How much one message to the page holds at most, whatever the data set's size. */
export const PAGE_LIMITS = { list: 40, duplicates: 20, files: 20, builds: 200, matrixClasses: 30, confusions: 30 } as const;

/**
 * What is sent to the page on each update: bounded in size whatever the data set (100,000 flagged images are
 * not 100,000 thumbnails): the first items of each audit list with its total (the rest by /list, a page at a
 * time), the last builds of the history, the first changed files with their counts, the confusion matrix up to
 * 30 classes (beyond, its largest off-diagonal cells). Pure.
 */
export function pageView(state: UiState) {
  const audit = state.audit && {
    crossValidatedAccuracy: state.audit.crossValidatedAccuracy,
    images: state.audit.images,
    labelIssues: slice(state.audit, 'labelIssues', 0, PAGE_LIMITS.list),
    duplicates: slice(state.audit, 'duplicates', 0, PAGE_LIMITS.duplicates),
    outliers: slice(state.audit, 'outliers', 0, PAGE_LIMITS.list),
    confusedPairs: state.audit.confusedPairs.slice(0, PAGE_LIMITS.confusions),
    /** Why there is no label-error list (a class too small for the folds), else undefined. */
    notRanked: state.audit.tooFewImages && tooFewImagesMessage(state.audit.tooFewImages),
  };
  const files = (list: string[]) => ({ first: list.slice(0, PAGE_LIMITS.files), total: list.length });
  const rebuild = state.rebuild && {
    ...state.rebuild,
    files: { added: files(state.rebuild.files.added), changed: files(state.rebuild.files.changed), removed: files(state.rebuild.files.removed) },
    folders: files(state.rebuild.folders),
  };
  return {
    builds: state.builds.slice(-PAGE_LIMITS.builds),
    buildCount: state.builds.length,
    classes: state.classes,
    lastBuild: state.lastBuild && lastBuildView(state.lastBuild),
    rebuild,
    audit,
    auditing: state.auditing,
    error: state.error,
  };
}

/** Items `offset…offset+limit` of one audit list, with the list's length. */
export function slice(audit: AuditReport, list: AuditList, offset: number, limit: number) {
  const all = audit[list] as unknown[];
  return { offset, items: all.slice(offset, offset + limit), total: all.length };
}

function lastBuildView(last: LastBuild) {
  const metrics = classMetrics(last.confusion, last.classes).map((m) => ({
    label: m.label,
    images: last.classCounts[m.label] ?? 0,
    test: m.support,
    precision: Number.isFinite(m.precision) ? m.precision : null,
    recall: Number.isFinite(m.recall) ? m.recall : null,
  }));
  const small = last.classes.length <= PAGE_LIMITS.matrixClasses;
  const cells = small
    ? []
    : last.confusion
        .flatMap((row, t) => row.map((count, p) => ({ true: last.classes[t]!, predicted: last.classes[p]!, count, diagonal: t === p })))
        .filter((cell) => !cell.diagonal && cell.count > 0)
        .sort((a, b) => b.count - a.count)
        .slice(0, PAGE_LIMITS.confusions)
        .map(({ diagonal: _diagonal, ...cell }) => cell);
  return { classes: last.classes, testCount: last.testCount, metrics, confusion: small ? last.confusion : undefined, largestConfusions: cells };
}
