export interface ConfusedPair {
  /** The two classes (indices, lower first). */
  classes: [number, number];
  /** Images of either class predicted (out of sample) as the other. */
  count: number;
  /** count over the two classes' images. */
  rate: number;
}

/** Pairs of classes the cross-validated head confuses, most confused first. */
export function confusedPairs(predicted: readonly number[], labels: readonly number[], numClasses: number): ConfusedPair[] {
  const sizes = new Int32Array(numClasses);
  for (const label of labels) sizes[label]++;
  const counts = new Map<number, number>();
  labels.forEach((label, i) => {
    const p = predicted[i]!;
    if (p === label) return;
    const key = Math.min(p, label) * numClasses + Math.max(p, label);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  const pairs: ConfusedPair[] = [...counts].map(([key, count]) => {
    const a = Math.floor(key / numClasses);
    const b = key % numClasses;
    return { classes: [a, b], count, rate: count / (sizes[a]! + sizes[b]!) };
  });
  pairs.sort((x, y) => y.rate - x.rate || y.count - x.count || x.classes[0] - y.classes[0] || x.classes[1] - y.classes[1]);
  return pairs;
}
