import { Random } from '../train/random.js';
import { softmaxInto } from '../train/softmax-head.js';
import { trainHead, type TrainParams } from '../train/train-head.js';

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
 * Out-of-sample class probabilities for every vector by k-fold cross-validation: the vectors are split into
 * `folds` stratified folds (seeded), a head is trained with the project's own trainer on all folds but one and
 * predicts the held-out fold. Every image is thus scored by a head that never saw it, which is what confident
 * learning needs. Row `i` of the result is image `i`'s probabilities (length numClasses).
 */
export function crossValidatedProbabilities(
  vectors: readonly Float32Array[],
  labels: readonly number[],
  numClasses: number,
  params: TrainParams,
  folds: number,
): Float64Array[] {
  if (vectors.length !== labels.length) throw new Error('vectors and labels differ in length');
  const foldOf = stratifiedFolds(labels, numClasses, Math.max(2, folds), params.seed);
  const probabilities: Float64Array[] = vectors.map(() => new Float64Array(numClasses));
  // Training only: no validation pass, evaluation lines only on the last step.
  const trainParams: TrainParams = {
    ...params,
    batchSize: Math.min(params.batchSize, CROSS_VALIDATION_MAX_BATCH),
    evalStepInterval: params.steps,
    validationBatchSize: -1,
  };
  for (let fold = 0; fold < Math.max(2, folds); fold++) {
    const train = { vectors: [] as Float32Array[], labels: [] as number[] };
    const held: number[] = [];
    for (let i = 0; i < vectors.length; i++) {
      if (foldOf[i] === fold) held.push(i);
      else {
        train.vectors.push(vectors[i]!);
        train.labels.push(labels[i]!);
      }
    }
    if (held.length === 0 || train.vectors.length === 0) continue;
    const { head } = trainHead(train, { vectors: [], labels: [] }, numClasses, { ...trainParams, seed: params.seed + fold });
    for (const i of held) softmaxInto(head, vectors[i]!, probabilities[i]!);
  }
  return probabilities;
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
