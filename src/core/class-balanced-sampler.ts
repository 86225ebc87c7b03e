import type { Random } from './random.js';

/**
 * The original's batch sampling: pick a class uniformly, then one of its examples, with replacement,
 * so small classes are oversampled. Classes with no examples are never picked.
 */
export function createClassBalancedSampler(labels: readonly number[], numClasses: number, random: Random) {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  labels.forEach((label, index) => byClass[label]!.push(index));
  const present = byClass.filter((indices) => indices.length > 0);
  return {
    /** Indices of `size` sampled examples (empty when there are none). */
    sample(size: number): number[] {
      if (present.length === 0) return [];
      const picked: number[] = new Array(size);
      for (let i = 0; i < size; i++) {
        const indices = present[random.int(present.length)]!;
        picked[i] = indices[random.int(indices.length)]!;
      }
      return picked;
    },
  };
}
