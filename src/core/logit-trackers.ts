/**
 * Two exact ways to keep the logits W·x of a softmax head current while plain SGD updates W.
 * SGD's update is a sum of outer products of training vectors, W ← W − Σₙ aₙ xₙᵀ, so every logit can also
 * be updated through dot products between training vectors (a Gram matrix) without touching W at all:
 * much cheaper when there are fewer training vectors than about twice their length. `chooseLogitTracker`
 * picks by counting multiply-adds. Both give the same head up to float rounding.
 */

export interface LogitTracker {
  /** Current W·x (no bias) of training example `n`. */
  trainLogits(n: number): Float64Array;
  /** Current W·x (no bias) of validation example `v`. */
  validationLogits(v: number): Float64Array;
  /** W ← W − Σₙ coefficients[n] ⊗ xₙ (coefficients already scaled by the learning rate). */
  update(coefficients: Map<number, Float64Array>): void;
  /** The final weights, class-major: weights[c * featureSize + d]. */
  weights(): Float32Array;
}

/** Vectors read by index, on demand (from the LMDB cache): nothing is held between steps. */
export type VectorAt = (index: number) => Float32Array;

/**
 * Keeps W itself and computes logits on demand (cost grows with the batch size × vector length), on vectors
 * read when a step needs them (from the LMDB cache, or an array): a step reads its batch once (kept until
 * `update`), an evaluation reads the validation vectors it picks. Memory is W plus one batch, whatever the
 * number of images.
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

/** StreamedLogits over vectors held in memory. */
export class DirectLogits extends StreamedLogits {
  constructor(initial: Float32Array, numClasses: number, train: readonly Float32Array[], validation: readonly Float32Array[]) {
    super(initial, numClasses, (n) => train[n]!, (v) => validation[v]!);
  }
}

/** Keeps every logit and updates them through the Gram matrix of the training vectors. */
export class GramLogits implements LogitTracker {
  private readonly n: number;
  private readonly gram: Float64Array; // n × n: xₘ·xₙ
  private readonly crossGram: Float64Array; // validation × n: x_v·xₙ
  private readonly trainZ: Float64Array[]; // per class: n logits (class-major keeps the hot loop tight)
  private readonly validationZ: Float64Array; // validation × classes
  private readonly scratch: Float64Array;
  private readonly total: Float64Array; // n × classes: Σ of all coefficients, for the final W
  private readonly pending: Map<number, Float64Array> = new Map(); // not yet applied to validation logits

  constructor(
    private readonly initial: Float32Array,
    private readonly numClasses: number,
    private readonly train: readonly Float32Array[],
    private readonly validation: readonly Float32Array[],
    /** The n × n Gram matrix of `train` when the caller already has it (`gramMatrix`, `subGram`): not recomputed. */
    precomputedGram?: Float64Array,
  ) {
    const n = (this.n = train.length);
    if (precomputedGram && precomputedGram.length !== n * n) throw new Error(`precomputed Gram matrix has ${precomputedGram.length} entries, not ${n}²`);
    this.gram = precomputedGram ?? gramMatrix(train);
    this.crossGram = new Float64Array(validation.length * n);
    validation.forEach((x, v) => train.forEach((t, m) => (this.crossGram[v * n + m] = dotProduct(x, t))));
    const initialZ = logitsOf(initial, numClasses, train);
    this.trainZ = Array.from({ length: numClasses }, (_, c) => Float64Array.from({ length: n }, (_, m) => initialZ[m * numClasses + c]!));
    this.validationZ = logitsOf(initial, numClasses, validation);
    this.total = new Float64Array(n * numClasses);
    this.scratch = new Float64Array(numClasses);
  }

  trainLogits(m: number): Float64Array {
    for (let c = 0; c < this.numClasses; c++) this.scratch[c] = this.trainZ[c]![m]!;
    return this.scratch;
  }

  validationLogits(v: number): Float64Array {
    this.flushPending();
    return this.validationZ.subarray(v * this.numClasses, (v + 1) * this.numClasses);
  }

  update(coefficients: Map<number, Float64Array>): void {
    const { n, numClasses: k } = this;
    for (const [source, coefficient] of coefficients) {
      const row = this.gram.subarray(source * n, (source + 1) * n);
      for (let c = 0; c < k; c++) {
        const a = coefficient[c]!;
        if (a === 0) continue;
        const z = this.trainZ[c]!;
        for (let m = 0; m < n; m++) z[m] = z[m]! - a * row[m]!;
      }
      for (let c = 0; c < k; c++) this.total[source * k + c] = this.total[source * k + c]! + coefficient[c]!;
      const waiting = this.pending.get(source);
      if (waiting) for (let c = 0; c < k; c++) waiting[c] = waiting[c]! + coefficient[c]!;
      else this.pending.set(source, Float64Array.from(coefficient));
    }
  }

  private flushPending(): void {
    const { n, numClasses: k } = this;
    for (const [source, coefficient] of this.pending) {
      for (let v = 0; v < this.validation.length; v++) {
        const g = this.crossGram[v * n + source]!;
        for (let c = 0; c < k; c++) this.validationZ[v * k + c] = this.validationZ[v * k + c]! - coefficient[c]! * g;
      }
    }
    this.pending.clear();
  }

  weights(): Float32Array {
    const d = this.initial.length / this.numClasses;
    const w = Float64Array.from(this.initial);
    for (let m = 0; m < this.n; m++) {
      const x = this.train[m]!;
      for (let c = 0; c < this.numClasses; c++) {
        const a = this.total[m * this.numClasses + c]!;
        if (a === 0) continue;
        for (let i = 0; i < d; i++) w[c * d + i] = w[c * d + i]! - a * x[i]!;
      }
    }
    return Float32Array.from(w);
  }
}

/** The tracker with fewer multiply-adds for this training run. */
export function chooseLogitTracker(
  initial: Float32Array,
  numClasses: number,
  train: readonly Float32Array[],
  validation: readonly Float32Array[],
  steps: number,
  batchSize: number,
): LogitTracker {
  return prefersGram(train.length, train[0]!.length, validation.length, numClasses, steps, batchSize)
    ? new GramLogits(initial, numClasses, train, validation)
    : new DirectLogits(initial, numClasses, train, validation);
}

/** Whether `chooseLogitTracker` picks the GramLogits: fewer multiply-adds for n training and `validation` vectors of length d. */
export function prefersGram(n: number, d: number, validation: number, numClasses: number, steps: number, batchSize: number): boolean {
  const distinctPerBatch = Math.min(batchSize, n);
  const gramCost = (n * n * d) / 2 + validation * n * d + steps * distinctPerBatch * n * numClasses;
  const directCost = steps * 2 * batchSize * d * numClasses;
  return gramCost < directCost;
}

/** A function that picks the logit tracker for one training run (`chooseLogitTracker`'s signature). */
export type LogitTrackerChooser = typeof chooseLogitTracker;

/**
 * The Gram matrix of all `vectors` (n × n, row-major), for several training runs on subsets of them (the folds
 * of a cross-validation): each takes its rows and columns with `subGram` instead of recomputing n²·d/2 products.
 * Entry (a, b) is the same dot product, summed in the same order, as GramLogits's own, so the heads are identical.
 */
export function gramMatrix(vectors: readonly Float32Array[]): Float64Array {
  const n = vectors.length;
  const gram = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      const dot = dotProduct(vectors[a]!, vectors[b]!);
      gram[a * n + b] = dot;
      gram[b * n + a] = dot;
    }
  }
  return gram;
}

/** Rows and columns `indices` (increasing, as the subset's vectors are ordered) of the n × n matrix `gram`. */
export function subGram(gram: Float64Array, n: number, indices: readonly number[]): Float64Array {
  const m = indices.length;
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    const row = indices[a]! * n;
    for (let b = 0; b < m; b++) out[a * m + b] = gram[row + indices[b]!]!;
  }
  return out;
}

function dotProduct(a: Float32Array, b: Float32Array): number {
  // Four independent sums let the CPU overlap the multiply-adds.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const end = a.length - (a.length % 4);
  for (let i = 0; i < end; i += 4) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
    s2 += a[i + 2]! * b[i + 2]!;
    s3 += a[i + 3]! * b[i + 3]!;
  }
  for (let i = end; i < a.length; i++) s0 += a[i]! * b[i]!;
  return s0 + s1 + s2 + s3;
}

function logitsOf(weights: Float32Array, numClasses: number, xs: readonly Float32Array[]): Float64Array {
  const out = new Float64Array(xs.length * numClasses);
  xs.forEach((x, m) => {
    for (let c = 0; c < numClasses; c++) {
      let sum = 0;
      for (let i = 0; i < x.length; i++) sum += weights[c * x.length + i]! * x[i]!;
      out[m * numClasses + c] = sum;
    }
  });
  return out;
}
