import type { Neighbours } from './neighbours.js';

export interface Outlier {
  index: number;
  /** Mean cosine distance to the image's nearest neighbours, over the data set's median of the same. */
  score: number;
}

/**
 * Images in empty regions of the feature space: the mean cosine distance to their k nearest neighbours (low
 * neighbour density), relative to the median image. Those at least `minScore` times the median are returned,
 * most isolated first.
 */
export function findOutliers(neighbours: Neighbours, count: number, minScore: number): Outlier[] {
  const { k, indices, similarities } = neighbours;
  const distance = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let sum = 0;
    let found = 0;
    for (let m = 0; m < k; m++) {
      if (indices[i * k + m]! < 0) break;
      sum += 1 - similarities[i * k + m]!;
      found++;
    }
    distance[i] = found > 0 ? sum / found : 0;
  }
  const median = [...distance].sort((a, b) => a - b)[Math.floor(count / 2)] ?? 0;
  if (!(median > 0)) return [];
  const outliers: Outlier[] = [];
  distance.forEach((d, index) => {
    const score = d / median;
    if (score >= minScore) outliers.push({ index, score });
  });
  outliers.sort((a, b) => b.score - a.score || a.index - b.index);
  return outliers;
}
