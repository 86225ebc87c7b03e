import type { TrainParams } from '../train-head.js';
import { argmax } from '../softmax-head.js';
import { cleaningOf, type Cleaning } from './cleaning-round.js';
import { confidentLearningCount, findLabelIssues } from './confident-learning.js';
import { confusedPairs } from './confused-pairs.js';
import { planFolds, trainAllFolds } from './cross-validated-probabilities.js';
import { findDuplicates } from './duplicates.js';
import { nearestNeighbours, type Neighbours } from './neighbours.js';
import { findOutliers } from './outliers.js';
import { tooFewImages, type TooFewImages } from './too-few-images.js';

/** One labelled image: where it is, what it is said to be, its set, its content hash and its bottleneck. */
export interface AuditImage {
  path: string;
  label: string;
  set: string;
  sha256: string;
  vector: Float32Array;
}

export interface AuditOptions {
  /** The head trainer's settings (the config's), used for every fold. */
  train: TrainParams;
  /** Folds of the cross-validation. */
  folds: number;
  /** Neighbours per image for duplicates and outliers. */
  neighbours: number;
  /** Cosine similarity (of mean-centred vectors) from which two different files are near-duplicates. */
  nearDuplicateSimilarity: number;
  /** Outliers: mean neighbour distance at least this many times the median image's. */
  outlierScore: number;
  /**
   * Weight of the neighbours' labels in the out-of-sample probabilities (the rest is the cross-validated
   * head's). Two different out-of-sample models disagree on different images: on flower_photos_mini with 10%
   * of labels flipped, precision went from 0.58 (head alone) to 0.81 at 0.5, recall staying at 0.92 (one seed,
   * 4000-step heads). With the logistic fold heads (LOGISTIC_LAMBDA) and the normalized-margin ranking, 0.5 was
   * chosen on flip seeds 11–20, int8 MobileNetV2: mean precision / recall 0.84 / 0.85 (0.4), 0.83 / 0.85 (0.5),
   * 0.81 / 0.85 (0.6), 0.75 / 0.82 (0, the head alone, λ 0.001). (With the early-stopped SGD heads, 0.6.)
   */
  neighbourVoteWeight: number;
  /** A second round of fold heads trained without the first round's label issues (cleaning-round.ts); false: one round. */
  cleaningRound: boolean;
  /**
   * `neighbourVoteWeight` of the cleaning round, whose votes count flagged images as their suggested class.
   * Chosen with it on flip seeds 41–100: mean precision / recall 0.848 / 0.836 at 0.4, 0.843 / 0.835 at 0.5,
   * 0.834 / 0.831 at 0.6 (count factor 0.95).
   */
  cleanedNeighbourVoteWeight: number;
}

export const DEFAULT_AUDIT_OPTIONS: Omit<AuditOptions, 'train'> = { folds: 5, neighbours: 10, nearDuplicateSimilarity: 0.95, outlierScore: 1.6, neighbourVoteWeight: 0.5, cleaningRound: true, cleanedNeighbourVoteWeight: 0.4 };

export interface AuditReport {
  labelIssues: Array<{ path: string; label: string; suggested: string; score: number }>;
  duplicates: Array<{ paths: string[]; kind: 'identical' | 'near'; labels: string[]; splits: string[]; similarity: number; crossClass: boolean; crossSplit: boolean }>;
  outliers: Array<{ path: string; label: string; score: number }>;
  confusedPairs: Array<{ classes: [string, string]; count: number; rate: number }>;
  /** Out-of-sample accuracy of the cross-validated head over all images (NaN, null in JSON, when `tooFewImages`). */
  crossValidatedAccuracy: number;
  images: number;
  /** Present when some class has fewer images than the folds: then no label issues, confused pairs or accuracy (too-few-images.ts). */
  tooFewImages?: TooFewImages;
}

/**
 * The whole audit of a labelled, vectorised data set, in memory: nearest neighbours → duplicates and outliers;
 * cross-validated head probabilities blended with the neighbours' labels, then again without the images they
 * flag (the cleaning round) → confident learning (label issues) and confused class pairs.
 * `labels` are the class names in index order.
 */
export function auditImages(images: readonly AuditImage[], labels: readonly string[], options: AuditOptions): AuditReport {
  const given = givenLabels(images, labels);
  const small = tooFewImages(given, labels, options.folds);
  if (small) return auditWithoutFolds(images, options, small);
  const plan = planFolds(images.map((image) => image.vector), given, labels.length, options.train, options.folds);
  const first = outOfSampleProbabilities(images, labels.length, options, given, trainAllFolds(plan));
  const cleaning = cleaningRoundOf(first, given, labels.length, options);
  return assembleAudit(images, labels, options, given, cleaning ? cleanedProbabilities(first, given, cleaning, trainAllFolds(plan, cleaning.excluded), labels.length, options) : first);
}

/** Each image's class index in `labels`. */
export function givenLabels(images: readonly AuditImage[], labels: readonly string[]): number[] {
  const classOf = new Map(labels.map((label, i) => [label, i]));
  return images.map((image) => {
    const index = classOf.get(image.label);
    if (index === undefined) throw new Error(`${image.path}: label "${image.label}" is not one of the classes`);
    return index;
  });
}

/** The cleaning round's plan (cleaning-round.ts) from the first round, or undefined: no cleaning round (off, or nothing flagged). */
export function cleaningRoundOf(first: { probabilities: Float64Array[] }, given: readonly number[], numClasses: number, options: Pick<AuditOptions, 'cleaningRound'>): Cleaning | undefined {
  return options.cleaningRound ? cleaningOf(first.probabilities, given, numClasses) : undefined;
}

/** Out-of-sample probabilities, the neighbours they were blended with, and (after a cleaning round) the confident-learning count the list's length starts from. */
export interface LabelIssueProbabilities {
  neighbours: Neighbours;
  probabilities: Float64Array[];
  /** Undefined: confident learning's count on `probabilities`. */
  issueCount?: number;
}

/**
 * The probabilities the label issues are read from after the cleaning round: the fold heads trained again without
 * the images the first round flags (`secondHead`), blended with neighbour votes in which those images vote for
 * their suggested class. The neighbours are the first round's; the count, the larger of both rounds' confident
 * learning counts (cleaning-round.ts).
 */
export function cleanedProbabilities(
  first: { neighbours: Neighbours; probabilities: Float64Array[] },
  given: readonly number[],
  cleaning: Cleaning,
  secondHead: Float64Array[],
  numClasses: number,
  options: Pick<AuditOptions, 'cleanedNeighbourVoteWeight'>,
): LabelIssueProbabilities {
  const probabilities = blendWithNeighbourVotes(secondHead, first.neighbours, cleaning.votingLabels, numClasses, options.cleanedNeighbourVoteWeight);
  const issueCount = Math.max(confidentLearningCount(first.probabilities, given, numClasses), confidentLearningCount(probabilities, given, numClasses));
  return { neighbours: first.neighbours, probabilities, issueCount };
}

/**
 * The audit of a set with a class too small for the folds (too-few-images.ts): duplicates and outliers only,
 * from the nearest neighbours; no fold head is trained.
 */
export function auditWithoutFolds(images: readonly AuditImage[], options: Pick<AuditOptions, 'neighbours' | 'nearDuplicateSimilarity' | 'outlierScore'>, small: TooFewImages): AuditReport {
  const neighbours = auditNeighbours(images, options);
  return { labelIssues: [], ...neighbourLists(images, options, neighbours), confusedPairs: [], crossValidatedAccuracy: NaN, images: images.length, tooFewImages: small };
}

/** Everything but the cross-validation, given the neighbours and the out-of-sample probabilities (`cleanedProbabilities`). */
export function assembleAudit(
  images: readonly AuditImage[],
  labels: readonly string[],
  options: AuditOptions,
  given: readonly number[],
  { neighbours, probabilities, issueCount }: LabelIssueProbabilities,
): AuditReport {
  const predicted = probabilities.map((p) => argmax(p));
  const issues = findLabelIssues(probabilities, given, labels.length, issueCount);
  return {
    labelIssues: issues.map((issue) => ({
      path: images[issue.index]!.path,
      label: labels[issue.label]!,
      suggested: labels[issue.suggested]!,
      score: round(issue.score),
    })),
    ...neighbourLists(images, options, neighbours),
    confusedPairs: confusedPairs(predicted, given, labels.length).map((pair) => ({
      classes: [labels[pair.classes[0]]!, labels[pair.classes[1]]!],
      count: pair.count,
      rate: round(pair.rate),
    })),
    crossValidatedAccuracy: images.length ? round(predicted.filter((p, i) => p === given[i]).length / images.length) : NaN,
    images: images.length,
  };
}

/** The lists read from the nearest neighbours alone: duplicates and outliers. */
function neighbourLists(images: readonly AuditImage[], options: Pick<AuditOptions, 'nearDuplicateSimilarity' | 'outlierScore'>, neighbours: Neighbours): Pick<AuditReport, 'duplicates' | 'outliers'> {
  const duplicates = findDuplicates(images, neighbours, options.nearDuplicateSimilarity);
  const outliers = findOutliers(neighbours, images.length, options.outlierScore);
  return {
    duplicates: duplicates.map((group) => ({
      paths: group.members.map((i) => images[i]!.path),
      kind: group.kind,
      labels: group.members.map((i) => images[i]!.label),
      splits: group.members.map((i) => images[i]!.set),
      similarity: round(group.similarity),
      crossClass: group.crossClass,
      crossSplit: group.crossSplit,
    })),
    outliers: outliers.map((o) => ({ path: images[o.index]!.path, label: images[o.index]!.label, score: round(o.score) })),
  };
}

/**
 * The probabilities the label issues are read from: the cross-validated head's blended with the votes of each
 * image's nearest neighbours (which the duplicates and outliers use too).
 */
export function outOfSampleProbabilities(
  images: readonly AuditImage[],
  numClasses: number,
  options: Pick<AuditOptions, 'neighbours' | 'neighbourVoteWeight'>,
  given: readonly number[],
  headProbabilities: Float64Array[],
): { neighbours: Neighbours; probabilities: Float64Array[] } {
  const neighbours = auditNeighbours(images, options);
  return { neighbours, probabilities: blendWithNeighbourVotes(headProbabilities, neighbours, given, numClasses, options.neighbourVoteWeight) };
}

/** Each image's `options.neighbours` nearest others, by cosine of the mean-centred vectors. */
export function auditNeighbours(images: readonly AuditImage[], options: Pick<AuditOptions, 'neighbours'>): Neighbours {
  const vectors = images.map((image) => image.vector);
  const dimensions = vectors[0]?.length ?? 0;
  return nearestNeighbours(centredMatrix(vectors, dimensions), dimensions, Math.min(options.neighbours, Math.max(1, images.length - 1)));
}

/**
 * (1 − weight) × the head's probabilities + weight × the share of each class among the image's neighbours.
 * The image itself is never its own neighbour, so both parts are out of sample.
 */
export function blendWithNeighbourVotes(
  probabilities: readonly Float64Array[],
  neighbours: Neighbours,
  labels: readonly number[],
  numClasses: number,
  weight: number,
): Float64Array[] {
  if (weight <= 0) return probabilities.map((p) => Float64Array.from(p));
  const { k, indices } = neighbours;
  return probabilities.map((p, i) => {
    const votes = new Float64Array(numClasses);
    let found = 0;
    for (let m = 0; m < k; m++) {
      const j = indices[i * k + m]!;
      if (j < 0) break;
      votes[labels[j]!]++;
      found++;
    }
    if (found === 0) return Float64Array.from(p);
    return Float64Array.from(p, (x, c) => (1 - weight) * x + (weight * votes[c]!) / found);
  });
}

/**
 * Vectors minus their mean, one row each. Bottlenecks come out of a ReLU, so raw vectors all point into one
 * orthant and every pair looks alike by cosine; centred, cosine tells images apart.
 */
export function centredMatrix(vectors: readonly Float32Array[], dimensions: number): Float32Array {
  const mean = new Float64Array(dimensions);
  for (const v of vectors) for (let d = 0; d < dimensions; d++) mean[d] += v[d]!;
  for (let d = 0; d < dimensions; d++) mean[d] /= Math.max(1, vectors.length);
  const matrix = new Float32Array(vectors.length * dimensions);
  vectors.forEach((v, i) => {
    for (let d = 0; d < dimensions; d++) matrix[i * dimensions + d] = v[d]! - mean[d]!;
  });
  return matrix;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
