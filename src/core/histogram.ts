/** A histogram of values as TensorBoard's HistogramProto holds it (equal-width buckets). */
export interface HistogramSummary {
  step: number;
  tag: string;
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  /** Upper edge of each bucket. */
  bucketLimits: number[];
  bucketCounts: number[];
}

export function histogramOf(tag: string, step: number, values: ArrayLike<number>, buckets = 30): HistogramSummary {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSquares += v * v;
  }
  if (values.length === 0) [min, max] = [0, 0];
  const width = (max - min) / buckets || 1;
  const bucketCounts = new Array<number>(buckets).fill(0);
  for (let i = 0; i < values.length; i++) bucketCounts[Math.min(buckets - 1, Math.floor((values[i]! - min) / width))]!++;
  const bucketLimits = bucketCounts.map((_, b) => (b === buckets - 1 ? max : min + (b + 1) * width));
  return { step, tag, min, max, num: values.length, sum, sumSquares, bucketLimits, bucketCounts };
}
