export interface ClassMetrics {
  label: string;
  /** Images of this class. */
  support: number;
  /** Of the images predicted as this class, the share that are (NaN when none predicted). */
  precision: number;
  /** Of the images of this class, the share predicted as it (NaN when none). */
  recall: number;
}

/** Per-class precision and recall from a confusion matrix (confusion[true][predicted]). Pure. */
export function classMetrics(confusion: number[][], labels: readonly string[]): ClassMetrics[] {
  return labels.map((label, c) => {
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((sum, row) => sum + row[c]!, 0);
    const correct = confusion[c]![c]!;
    return { label, support, precision: predicted ? correct / predicted : NaN, recall: support ? correct / support : NaN };
  });
}

/** A confusion matrix as aligned text rows (true label down, predicted across). */
export function formatConfusion(confusion: number[][], labels: readonly string[]): string[] {
  const width = Math.max(6, ...labels.map((l) => l.length), ...confusion.flat().map((n) => String(n).length));
  const pad = (s: string) => s.padStart(width);
  // The first column is as wide as its header, so the counts stay under their labels.
  const corner = 'true \\ predicted';
  const first = (s: string) => s.padStart(Math.max(width, corner.length));
  return [
    `${first(corner)} ${labels.map(pad).join(' ')}`,
    ...confusion.map((row, c) => `${first(labels[c]!)} ${row.map((n) => pad(String(n))).join(' ')}`),
  ];
}
