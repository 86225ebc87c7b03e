/**
 * Confident learning (Northcutt, Jiang & Chuang, "Confident Learning: Estimating Uncertainty in Dataset
 * Labels", JAIR 2021), as cleanlab's `find_label_issues` does it with its default `prune_by_noise_rate`:
 * 1. per-class threshold t_j = mean out-of-sample probability of class j over the images labelled j;
 * 2. the confident joint C[given][true]: an image counts for the class it is most likely among those whose
 *    probability reaches their threshold;
 * 3. C calibrated to the given label counts, normalised to a joint Q; for every off-diagonal cell (i, j),
 *    the round(n·Q[i][j]) images labelled i with the largest margin p_j − p_i are label issues;
 * 4. an image the model predicts as its given label is never an issue.
 * That fixes how many images are issues (N). Which N: the N images, of all those predicted as another class, with
 * the lowest normalized margin p_given − max_{j≠given} p_j (cleanlab's `low_normalized_margin` ranking), not
 * the ones step 3 picked cell by cell: step 3 takes round(n·Q[i][j]) images from every cell however unlikely
 * its candidates, so a cell with a generous estimate lends its count to images barely off their label while a
 * clearly wrong image of a tight cell is left out. On flower_photos_mini with 10% of labels flipped (flip seeds
 * 11–20, int8 MobileNetV2, logistic fold heads + neighbour vote) precision / recall went from 0.79 / 0.82 to
 * 0.83 / 0.85 with the same N; ranking by self-confidence instead gave 0.82 / 0.85.
 * Pure: probabilities in, ranked issues out.
 */

/**
 * The label-issue list's length: confident learning's count × this (rounded), never more than the images
 * predicted as another class. Confident learning's count runs a little short on flower_photos_mini with 10% of
 * labels flipped (46 flagged for 50 flips on the reported seeds 1–5), so longer lists were tried, on fresh flip
 * seeds 21–40 (int8 MobileNetV2; the factor with the largest min(mean precision, mean recall) wins): mean
 * precision / recall 0.86 / 0.79 at 0.9, 0.85 / 0.82 at 0.95, 0.83 / 0.84 at 1, 0.80 / 0.86 at 1.05,
 * 0.79 / 0.88 at 1.1, 0.74 / 0.90 at 1.2. cleanlab's other counts (the confident joint's off-diagonal sum, raw or
 * calibrated, each at its best factor), 10 folds and λ 0.0005 / 0.005 did no better: min(mean precision, mean
 * recall) 0.817–0.828 at their best, against 0.828 here. So 1 then.
 * With the cleaning round (cleaning-round.ts; its count is the larger of its two rounds'), chosen again on fresh
 * flip seeds 41–100: mean precision / recall 0.848 / 0.836 at 0.95, 0.824 / 0.855 at 1, 0.872 / 0.816 at 0.9 (BENCHMARKS.md). So 0.95.
 */
export const LABEL_ISSUE_COUNT_FACTOR = 0.95;

export interface LabelIssue {
  /** Index of the image in the input. */
  index: number;
  label: number;
  /** The most likely other class. */
  suggested: number;
  /** p_suggested − p_given, out of sample, in [0, 1] (higher: more likely wrong): minus cleanlab's normalized margin. */
  score: number;
}

export interface ConfidentJoint {
  thresholds: Float64Array;
  /** counts[given * numClasses + true] */
  counts: Int32Array;
}

export function confidentJoint(probabilities: readonly ArrayLike<number>[], labels: readonly number[], numClasses: number): ConfidentJoint {
  const sums = new Float64Array(numClasses);
  const sizes = new Int32Array(numClasses);
  probabilities.forEach((p, i) => {
    sums[labels[i]!] += p[labels[i]!]!;
    sizes[labels[i]!]++;
  });
  // A class with no images is never confidently anything.
  const thresholds = sums.map((sum, j) => (sizes[j]! > 0 ? sum / sizes[j]! : Infinity));
  const counts = new Int32Array(numClasses * numClasses);
  probabilities.forEach((p, i) => {
    let best = -1;
    for (let j = 0; j < numClasses; j++) if (p[j]! >= thresholds[j]! - 1e-12 && (best < 0 || p[j]! > p[best]!)) best = j;
    if (best >= 0) counts[labels[i]! * numClasses + best]++;
  });
  return { thresholds, counts };
}

/** Label issues ranked by score (the normalized margin against the given label), highest first (ties by index). */
export function findLabelIssues(
  probabilities: readonly ArrayLike<number>[],
  labels: readonly number[],
  numClasses: number,
  countFactor = LABEL_ISSUE_COUNT_FACTOR,
  /** Before the factor; by default confident learning's count on `probabilities` (the cleaning round passes its own). */
  count?: number,
): LabelIssue[] {
  if (probabilities.length === 0) return [];
  const listed = Math.round(countFactor * (count ?? confidentLearningCount(probabilities, labels, numClasses)));
  return mispredictedByMargin(probabilities, labels, numClasses).slice(0, listed);
}

/**
 * How many label issues confident learning finds (steps 1–4 above): the images pruning by noise rate flags that
 * the model does not predict as their given label.
 */
export function confidentLearningCount(probabilities: readonly ArrayLike<number>[], labels: readonly number[], numClasses: number): number {
  const n = probabilities.length;
  if (n === 0) return 0;
  const { counts } = confidentJoint(probabilities, labels, numClasses);
  const sizes = new Int32Array(numClasses);
  for (const label of labels) sizes[label]++;
  const byLabel: number[][] = Array.from({ length: numClasses }, () => []);
  labels.forEach((label, i) => byLabel[label]!.push(i));

  const flagged = new Set<number>();
  for (let given = 0; given < numClasses; given++) {
    let rowSum = 0;
    for (let j = 0; j < numClasses; j++) rowSum += counts[given * numClasses + j]!;
    if (rowSum === 0) continue;
    for (let truth = 0; truth < numClasses; truth++) {
      if (truth === given) continue;
      // Calibrated joint: the row rescaled to the class's real size, over all n images.
      const calibrated = (counts[given * numClasses + truth]! / rowSum) * sizes[given]!;
      const remove = Math.round(calibrated);
      if (remove === 0) continue;
      const ranked = byLabel[given]!.map((i) => ({ i, margin: probabilities[i]![truth]! - probabilities[i]![given]! }));
      ranked.sort((a, b) => b.margin - a.margin || a.i - b.i);
      for (const { i } of ranked.slice(0, remove)) flagged.add(i);
    }
  }

  let count = 0;
  for (const index of flagged) if (argmaxOf(probabilities[index]!, numClasses) !== labels[index]) count++;
  return count;
}

/** Every image the model predicts as another class than its given label, by p_suggested − p_given, highest first (ties by index). */
export function mispredictedByMargin(probabilities: readonly ArrayLike<number>[], labels: readonly number[], numClasses: number): LabelIssue[] {
  const issues: LabelIssue[] = [];
  probabilities.forEach((p, index) => {
    const label = labels[index]!;
    if (argmaxOf(p, numClasses) === label) return;
    let suggested = -1;
    for (let j = 0; j < numClasses; j++) if (j !== label && (suggested < 0 || p[j]! > p[suggested]!)) suggested = j;
    issues.push({ index, label, suggested, score: p[suggested]! - p[label]! });
  });
  issues.sort((a, b) => b.score - a.score || a.index - b.index);
  return issues;
}

function argmaxOf(p: ArrayLike<number>, numClasses: number): number {
  let best = 0;
  for (let j = 1; j < numClasses; j++) if (p[j]! > p[best]!) best = j;
  return best;
}

/**
 * Every image, likeliest label error first: by p_best_other − p_given (the label-issue score; negative for
 * images predicted as their label), ties by index. The label-issue list is its first entries; the rest shows
 * what a longer list would add (the bench reads precision at the rank where recall reaches 0.8 from it).
 */
export function labelErrorRanking(probabilities: readonly ArrayLike<number>[], labels: readonly number[], numClasses: number): number[] {
  const score = probabilities.map((p, i) => {
    let other = -Infinity;
    for (let j = 0; j < numClasses; j++) if (j !== labels[i] && p[j]! > other) other = p[j]!;
    return other - p[labels[i]!]!;
  });
  return score.map((_, i) => i).sort((a, b) => score[b]! - score[a]! || a - b);
}
