import type { LogitTracker } from './logit-trackers.js';

/** Vectors read by index, on demand (from the LMDB cache): nothing is held between steps. */
export type VectorAt = (index: number) => Float32Array;

/**
 * DirectLogits's arithmetic, in the same order (so the same head bit for bit), on vectors read when a step
 * needs them instead of held in memory: a step reads its batch once (kept until `update`), an evaluation
 * reads the validation vectors it picks. Memory is W plus one batch, whatever the number of images.
 */
export class StreamedLogits implements LogitTracker {
  private readonly w: Float64Array;
  private readonly out: Float64Array;
  private readonly batch = new Map<number, Float32Array>();

  constructor(
    initial: Float32Array,
    private readonly numClasses: number,
    private readonly train: VectorAt,
    private readonly validation: VectorAt,
  ) {
    this.w = Float64Array.from(initial);
    this.out = new Float64Array(numClasses);
  }

  trainLogits(n: number): Float64Array {
    let x = this.batch.get(n);
    if (!x) this.batch.set(n, (x = this.train(n)));
    return this.logits(x);
  }

  validationLogits(v: number): Float64Array {
    return this.logits(this.validation(v));
  }

  private logits(x: Float32Array): Float64Array {
    const d = x.length;
    for (let c = 0; c < this.numClasses; c++) {
      let sum = 0;
      const row = c * d;
      for (let i = 0; i < d; i++) sum += this.w[row + i]! * x[i]!;
      this.out[c] = sum;
    }
    return this.out;
  }

  update(coefficients: Map<number, Float64Array>): void {
    for (const [n, coefficient] of coefficients) {
      const x = this.batch.get(n) ?? this.train(n);
      const d = x.length;
      for (let c = 0; c < this.numClasses; c++) {
        const a = coefficient[c]!;
        if (a === 0) continue;
        const row = c * d;
        for (let i = 0; i < d; i++) this.w[row + i] = this.w[row + i]! - a * x[i]!;
      }
    }
    this.batch.clear();
  }

  weights(): Float32Array {
    return Float32Array.from(this.w);
  }
}
