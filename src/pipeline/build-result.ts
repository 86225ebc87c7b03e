import type { RemoteCounts } from '../store/remote-cache.js';

/** What `retrain build --json` prints as its last line. */
export interface BuildResult {
  testAccuracy: number | null;
  testCount: number;
  validationAccuracy: number | null;
  classes: string[];
  counts: { training: number; validation: number; testing: number };
  /** Usable images per class, all sets together. */
  classCounts: Record<string, number>;
  bottlenecksComputed: number;
  bottlenecksCached: number;
  skipped: Array<{ file: string; reason: string }>;
  misclassified: Array<{ file: string; label: string; predicted: string }>;
  /** The test set's confusion matrix, confusion[true][predicted], rows and columns in `classes` order. */
  confusion: number[][];
  trained: boolean;
  exported: boolean;
  outputDir: string;
  backend: string;
  model: string;
  durationMs: number;
  /** Requests to the remote cache in this build, when one is configured. */
  remote?: RemoteCounts & { url: string };
}
