import { chooseLogitTracker, GramLogits, gramMatrix, prefersGram, subGram, type LogitTrackerChooser } from '../logit-trackers.js';
import { Random } from '../random.js';
import { softmaxInto } from '../softmax-head.js';
import { trainHead, type TrainParams } from '../train-head.js';
import type { LbfgsOptions } from '../lbfgs.js';
import { fitLogistic, probabilitiesInto } from '../logistic-regression.js';
import { coordinateRows, kernelCoordinates, type KernelCoordinates } from './kernel-coordinates.js';

/**
 * Up to this many images the fold heads are L2-regularised multinomial logistic regressions trained to
 * convergence (L-BFGS, `kernelCoordinates`); above it, the project's SGD trainer stopped early (below), whose
 * cost does not grow with n² (the 100,000-image run). Chosen with the exact neighbour search's limit: the Gram
 * matrix and its Cholesky factor of 2,000 images take a few seconds.
 */
export const LOGISTIC_FOLDS_LIMIT = 2_000;

/**
 * λ of the logistic fold heads (vectors scaled to mean squared length 1). Chosen on flower_photos_mini with 10%
 * of labels flipped, flip seeds 11–20 (the bench reports 1–5), int8 MobileNetV2, together with
 * `neighbourVoteWeight` and the normalized-margin ranking: mean precision / recall of the list 0.83 / 0.85 at
 * λ = 0.002 and 0.001 (5 or 10 folds alike), 0.80 / 0.86 at 0.0003, 0.74–0.76 / 0.82 at 0.01–0.1 (head alone,
 * 10 folds, cleanlab's pruning); the early-stopped SGD heads gave 0.79 / 0.86 (0.77 / 0.83 with the old pruning).
 */
export const LOGISTIC_LAMBDA = 0.002;

/**
 * When the L-BFGS of the logistic fold heads stops. A relative decrease of 1e-7 rather than 1e-10 halves the
 * audit's CPU time on 500 images and left the label-issue lists of flip seeds 11–20 (flower_photos_mini, int8
 * MobileNetV2) identical, image for image.
 */
export const FOLD_LBFGS: LbfgsOptions = { maxIterations: 500, gradientTolerance: 1e-6, relativeTolerance: 1e-7, memory: 10 };

/**
 * Largest batch of the cross-validation heads. The trainer's cost is steps × distinct examples per batch ×
 * (training vectors or vector length) × classes, so the build's batch of 100 made five fold heads of a
 * 500-image set cost ~4·10⁹ multiply-adds (30 s warm). Same steps and learning rate, half the batch: the same
 * expected SGD update (the gradient is a batch mean), a little more noise, half the time. On flower_photos_mini
 * with 10% of labels flipped (mobilenet_v1_075_224) the label-issue list is unchanged (57 flagged, 46 found);
 * batches of 25 or 10 flagged 59 / 57 and found 46 / 45, i.e. precision 0.78–0.79, under the 0.8 target.
 */
export const CROSS_VALIDATION_MAX_BATCH = 50;

/**
 * Most SGD steps of a cross-validation head (the config's steps when fewer). Stopping early keeps the fold heads
 * from fitting the wrong labels they are meant to expose, and costs an eighth of 4000 steps. Chosen on
 * flower_photos_mini with 10% of labels flipped, flip seeds 11–15 (the bench reports seeds 1–5), the three shared
 * backbones, together with `neighbourVoteWeight`: mean precision / recall over the backbones 0.62 / 0.84 at 4000
 * steps (vote weight 0.5), 0.71 / 0.82 at 1000 (0.75), 0.72 / 0.82 at 500 (0.6), 0.73 / 0.81 at 250 (0.5);
 * int8 MobileNetV2 alone 0.68 / 0.88 → 0.80 / 0.84. 500 rather than 250: as good, and further from an untrained head.
 */
export const CROSS_VALIDATION_MAX_STEPS = 500;

/** Everything one fold's training needs: shared by all folds, whichever thread trains them. */
export interface FoldPlan {
  vectors: readonly Float32Array[];
  labels: readonly number[];
  numClasses: number;
  /** The trainer's settings for every fold (the fold's seed is `params.seed + fold`). */
  params: TrainParams;
  foldOf: Int32Array;
  folds: number;
  /** The Gram matrix of all vectors when the SGD fold heads train on Gram matrices, else undefined. */
  gram?: Float64Array;
  /** The coordinates the logistic fold heads train on (sets of at most LOGISTIC_FOLDS_LIMIT), else undefined: SGD heads. */
  coordinates?: KernelCoordinates;
  /** λ of the logistic fold heads. */
  lambda: number;
  /** Images left out of every fold's training set (1), still scored when their fold is held out: the cleaning round's. */
  excluded?: Uint8Array;
}

/** Which fold heads: L-BFGS logistic regression, SGD (the build's trainer, stopped early), or by the set's size. */
export type FoldSolver = 'logistic' | 'sgd' | 'auto';

/**
 * The plan of a k-fold cross-validation: stratified folds (seeded), the fold heads' settings, and what all
 * folds share: the logistic heads' coordinates, or the SGD heads' Gram matrix.
 */
export function planFolds(vectors: readonly Float32Array[], labels: readonly number[], numClasses: number, params: TrainParams, folds: number, solver: FoldSolver = 'auto'): FoldPlan {
  if (vectors.length !== labels.length) throw new Error('vectors and labels differ in length');
  const k = Math.max(2, folds);
  // Training only: no validation pass, evaluation lines only on the last step.
  const trainParams: TrainParams = {
    ...params,
    steps: Math.min(params.steps, CROSS_VALIDATION_MAX_STEPS),
    batchSize: Math.min(params.batchSize, CROSS_VALIDATION_MAX_BATCH),
    evalStepInterval: Math.min(params.steps, CROSS_VALIDATION_MAX_STEPS),
    validationBatchSize: -1,
  };
  const plan: FoldPlan = { vectors, labels, numClasses, params: trainParams, foldOf: stratifiedFolds(labels, numClasses, k, params.seed), folds: k, lambda: LOGISTIC_LAMBDA };
  if (vectors.length > 0 && (solver === 'logistic' || (solver === 'auto' && vectors.length <= LOGISTIC_FOLDS_LIMIT))) {
    plan.coordinates = kernelCoordinates(vectors);
    return plan;
  }
  // The largest fold's training set decides: if even it trains on a Gram matrix, every fold does, and all of
  // them read their rows of one matrix of all vectors (n²·d/2 products once instead of k·((k−1)/k·n)²·d/2).
  const largestTrain = vectors.length - Math.floor(vectors.length / k);
  if (vectors.length > 0 && prefersGram(largestTrain, vectors[0]!.length, 0, numClasses, trainParams.steps, trainParams.batchSize)) plan.gram = gramMatrix(vectors);
  return plan;
}

/**
 * Trains fold `fold`'s head on the other folds (less the plan's excluded images) and returns its held-out images
 * and their probabilities (row-major).
 */
export function trainFold(plan: FoldPlan, fold: number): { held: number[]; probabilities: Float64Array } {
  const { vectors, labels, numClasses, foldOf, gram } = plan;
  const train = { vectors: [] as Float32Array[], labels: [] as number[] };
  const trainIndices: number[] = [];
  const held: number[] = [];
  for (let i = 0; i < vectors.length; i++) {
    if (foldOf[i] === fold) held.push(i);
    else if (!plan.excluded?.[i]) {
      train.vectors.push(vectors[i]!);
      train.labels.push(labels[i]!);
      trainIndices.push(i);
    }
  }
  const probabilities = new Float64Array(held.length * numClasses);
  if (held.length === 0 || train.vectors.length === 0) return { held: [], probabilities: new Float64Array(0) };
  if (plan.coordinates) {
    const rows = coordinateRows(plan.coordinates);
    const examples = { labels, vector: (i: number) => rows[i]! };
    const problem = { examples, indices: trainIndices, numClasses, featureSize: plan.coordinates.width, l2: plan.lambda, weighting: 'mean' as const };
    const { x } = fitLogistic(problem, undefined, FOLD_LBFGS);
    held.forEach((i, r) => probabilitiesInto(x, rows[i]!, numClasses, probabilities.subarray(r * numClasses, (r + 1) * numClasses)));
    return { held, probabilities };
  }
  // The same engine as the trainer would choose, fed this fold's rows of the shared Gram matrix.
  const trackerFor: LogitTrackerChooser = (initial, k, trainVectors, validation, steps, batchSize) =>
    gram && prefersGram(trainVectors.length, trainVectors[0]!.length, validation.length, k, steps, batchSize)
      ? new GramLogits(initial, k, trainVectors, validation, subGram(gram, vectors.length, trainIndices))
      : chooseLogitTracker(initial, k, trainVectors, validation, steps, batchSize);
  const { head } = trainHead(train, { vectors: [], labels: [] }, numClasses, { ...plan.params, seed: plan.params.seed + fold }, undefined, undefined, trackerFor);
  held.forEach((i, r) => softmaxInto(head, vectors[i]!, probabilities.subarray(r * numClasses, (r + 1) * numClasses)));
  return { held, probabilities };
}

/** Row `i`: image `i`'s probabilities, from the folds' results. */
export function gatherFolds(plan: FoldPlan, results: ReadonlyArray<{ held: number[]; probabilities: Float64Array }>): Float64Array[] {
  const out = plan.vectors.map(() => new Float64Array(plan.numClasses));
  for (const { held, probabilities } of results) {
    held.forEach((i, r) => out[i]!.set(probabilities.subarray(r * plan.numClasses, (r + 1) * plan.numClasses)));
  }
  return out;
}

/**
 * Out-of-sample class probabilities for every vector by k-fold cross-validation: the vectors are split into
 * `folds` stratified folds (seeded), a head is trained on all folds but one (logistic regression to convergence,
 * or on large sets the project's own trainer) and predicts the held-out fold. Every image is thus scored by a head that never saw it, which is what confident
 * learning needs. Row `i` of the result is image `i`'s probabilities (length numClasses).
 * On this thread; `crossValidatedProbabilitiesInWorkers` trains the folds in parallel with the same result.
 */
export function crossValidatedProbabilities(
  vectors: readonly Float32Array[],
  labels: readonly number[],
  numClasses: number,
  params: TrainParams,
  folds: number,
  solver: FoldSolver = 'auto',
): Float64Array[] {
  return trainAllFolds(planFolds(vectors, labels, numClasses, params, folds, solver));
}

/** Every fold's head trained on this thread, without the `excluded` images (the audit's cleaning round), gathered. */
export function trainAllFolds(plan: FoldPlan, excluded?: Uint8Array): Float64Array[] {
  const round: FoldPlan = { ...plan, excluded };
  return gatherFolds(round, Array.from({ length: round.folds }, (_, fold) => trainFold(round, fold)));
}

/** Fold of every example: each class shuffled (seeded) and dealt round-robin, so every fold sees every class. */
export function stratifiedFolds(labels: readonly number[], numClasses: number, folds: number, seed: number): Int32Array {
  const random = new Random(seed ^ 0x2f6b3c1d);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  labels.forEach((label, i) => byClass[label]!.push(i));
  const foldOf = new Int32Array(labels.length);
  let offset = 0;
  for (const members of byClass) {
    for (let i = members.length - 1; i > 0; i--) {
      const j = random.int(i + 1);
      [members[i], members[j]] = [members[j]!, members[i]!];
    }
    // Continue dealing where the previous class stopped, so small classes do not all land in fold 0.
    members.forEach((index, k) => (foldOf[index] = (offset + k) % folds));
    offset = (offset + members.length) % folds;
  }
  return foldOf;
}
