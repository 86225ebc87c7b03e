import { confidentLearningCount, mispredictedByMargin } from './confident-learning.js';

/**
 * One round of cleaning (as cleanlab's CleanLearning does before it fits its final model): the images the first
 * out-of-sample probabilities flag are left out of every fold head's training set, the fold heads are trained
 * again and score every image (the flagged ones too, out of sample as before), and in the neighbour vote a flagged
 * neighbour votes for its suggested class instead of its given one (weight `cleanedNeighbourVoteWeight`). A wrong
 * label then no longer pulls the heads and the neighbour votes of its look-alikes towards it, so the second
 * probabilities tell the wrong labels from the right ones better; the label issues are ranked by them. How many:
 * the larger of confident learning's counts on the two rounds is the list's confident-learning count (its length:
 * labelIssueCount). The second round's
 * heads are surer of the clean images, which raises the per-class thresholds: alone, its count can drop a clear
 * error the first round counted (one planted mislabel among 120 clean images: count 1, then 0).
 * Chosen on flower_photos_mini with 10% of labels flipped, fresh flip seeds 41–100 (int8 MobileNetV2; the
 * reported seeds are 1–5), against the audit without it and other ideas (BENCHMARKS.md, audit section): mean
 * precision / recall 0.848 / 0.836 (lowest seed 0.75 / 0.74) against 0.839 / 0.822 (0.75 / 0.70) with one round
 * at the same factor 0.95 and 0.816 / 0.841 at the former factor 1.
 */
export interface Cleaning {
  /** 1 for the images the fold heads leave out of training. */
  excluded: Uint8Array;
  /** The labels the neighbour vote counts: the given ones, each flagged image's replaced by its suggestion. */
  votingLabels: number[];
}

/** The cleaning round's plan from the first round's probabilities; undefined when they flag nothing (nothing to clean). */
export function cleaningOf(probabilities: readonly ArrayLike<number>[], given: readonly number[], numClasses: number): Cleaning | undefined {
  // Confident learning's count of the first round's most likely errors (not the list's length, labelIssueCount).
  const issues = mispredictedByMargin(probabilities, given, numClasses).slice(0, confidentLearningCount(probabilities, given, numClasses));
  if (issues.length === 0) return undefined;
  const excluded = new Uint8Array(given.length);
  const votingLabels = [...given];
  for (const issue of issues) {
    excluded[issue.index] = 1;
    votingLabels[issue.index] = issue.suggested;
  }
  return { excluded, votingLabels };
}
