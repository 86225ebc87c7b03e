import { Random } from '../../src/core/random.js';
import type { LabelledVectors } from '../../src/core/train-head.js';

/** Noisy samples around fixed class centres in `d` dimensions, non-negative like ReLU features. */
export function clusters(count: number, d: number, classes: number, seed: number, noise = 2): LabelledVectors {
  const centreRandom = new Random(1000 + d + classes);
  const centres = Array.from({ length: classes }, () => Float32Array.from({ length: d }, () => centreRandom.next() * 2));
  const random = new Random(seed);
  const vectors: Float32Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % classes;
    vectors.push(Float32Array.from(centres[label]!, (c) => Math.max(0, c + (random.next() - 0.5) * noise)));
    labels.push(label);
  }
  return { vectors, labels };
}
