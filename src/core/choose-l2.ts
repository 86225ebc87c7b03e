import { DEFAULT_LBFGS, type LbfgsOptions } from './lbfgs.js';
import { fitLogistic, predictWith, type Examples } from './logistic-regression.js';

/**
 * Chooses the L2 strength of the converged head by k-fold cross-validation on the training examples only:
 * folds by position within each class (example i of a class goes to fold i mod k), so the choice is
 * deterministic and stratified. Every fold fits the grid from the strongest penalty to the weakest, each fit
 * starting from the previous one's solution (the same optimum, reached in fewer passes). The winner has the
 * most out-of-fold examples right; ties go to the lower out-of-fold cross entropy (class-balanced, like the
 * objective), then to the stronger penalty.
 */

/** λ from strong to weak: half-decades from 1 to 1e-3. */
export const L2_GRID: readonly number[] = [1, 3e-1, 1e-1, 3e-2, 1e-2, 3e-3, 1e-3];
/** Used when there are too few examples to cross-validate (fewer than `folds` in some class, or one class). */
export const FALLBACK_L2 = 1e-3;
export const CV_FOLDS = 5;

export interface L2Score {
  l2: number;
  /** Out-of-fold examples predicted right. */
  right: number;
  /** Mean class-balanced out-of-fold cross entropy. */
  crossEntropy: number;
}

export interface L2Choice {
  l2: number;
  /** One per grid value; empty when there were too few examples to cross-validate. */
  scores: L2Score[];
  /** Objective evaluations over all folds (each one streamed pass over a fold's training examples). */
  evaluations: number;
}

export function chooseL2(
  examples: Examples,
  indices: readonly number[],
  numClasses: number,
  featureSize: number,
  grid: readonly number[] = L2_GRID,
  folds = CV_FOLDS,
  options: LbfgsOptions = DEFAULT_LBFGS,
): L2Choice {
  const byClass = new Map<number, number[]>();
  for (const i of indices) {
    const label = examples.labels[i]!;
    const members = byClass.get(label) ?? [];
    members.push(i);
    byClass.set(label, members);
  }
  if (byClass.size < 2 || [...byClass.values()].some((m) => m.length < folds)) return { l2: FALLBACK_L2, scores: [], evaluations: 0 };
  const foldOf = new Map<number, number>();
  for (const members of byClass.values()) members.forEach((i, position) => foldOf.set(i, position % folds));
  const counts = new Map([...byClass].map(([label, members]) => [label, members.length]));
  const scores: L2Score[] = grid.map((l2) => ({ l2, right: 0, crossEntropy: 0 }));
  let evaluations = 0;
  for (let f = 0; f < folds; f++) {
    const fitOn = indices.filter((i) => foldOf.get(i) !== f);
    const heldOut = indices.filter((i) => foldOf.get(i) === f);
    let x: Float64Array | undefined;
    grid.forEach((l2, g) => {
      const fit = fitLogistic({ examples, indices: fitOn, numClasses, featureSize, l2 }, x, options);
      evaluations += fit.evaluations;
      x = fit.x;
      for (const i of heldOut) {
        const label = examples.labels[i]!;
        const { label: predicted, logProbabilities } = predictWith(fit.x, examples.vector(i), numClasses);
        if (predicted === label) scores[g]!.right++;
        scores[g]!.crossEntropy -= logProbabilities[label]! / (byClass.size * counts.get(label)!);
      }
    });
  }
  const best = scores.reduce((a, b) => (b.right > a.right || (b.right === a.right && b.crossEntropy < a.crossEntropy) ? b : a));
  return { l2: best.l2, scores, evaluations };
}
