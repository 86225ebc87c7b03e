/**
 * L2-regularised multinomial logistic regression trained to convergence by L-BFGS, for the audit's fold heads.
 * Features are rows of one n × width matrix (Float64Array, row-major); a row may be shorter than `width` (the
 * rest zeros), which lets the lower-triangular Cholesky coordinates of `kernelCoordinates` cost half.
 * Objective: mean cross-entropy + λ/2 · ‖W‖² (the biases are not penalised). Deterministic: no randomness,
 * the same arithmetic in the same order on any thread.
 */

export interface FeatureRows {
  /** n × width, row-major; entries past `length(i)` of row i are zero and never read. */
  data: Float64Array;
  width: number;
  /** How many leading entries of row `i` can be non-zero. */
  length: (i: number) => number;
}

export interface LogisticModel {
  /** weights[c * width + i], then numClasses biases. */
  parameters: Float64Array;
  width: number;
  numClasses: number;
  iterations: number;
}

export interface LbfgsOptions {
  maxIterations: number;
  /** Stop when the largest gradient entry is below this. */
  gradientTolerance: number;
  /** Stop when an iteration lowers the objective by less than this, relatively. */
  relativeDecrease: number;
  /** Pairs of past steps kept. */
  memory: number;
}

/**
 * Stopping at a relative decrease of 1e-7 rather than 1e-10 halves the audit's CPU time on 500 images and left the
 * label-issue lists of flip seeds 11–20 (flower_photos_mini, int8 MobileNetV2) identical, image for image.
 */
export const DEFAULT_LBFGS: LbfgsOptions = { maxIterations: 500, gradientTolerance: 1e-6, relativeDecrease: 1e-7, memory: 10 };

/** Fits rows `rows` of `features` with class labels `labels` (same order), λ = `lambda`. */
export function fitLogisticRegression(
  features: FeatureRows,
  rows: readonly number[],
  labels: readonly number[],
  numClasses: number,
  lambda: number,
  options: LbfgsOptions = DEFAULT_LBFGS,
): LogisticModel {
  if (rows.length !== labels.length) throw new Error('rows and labels differ in length');
  const { data, width } = features;
  const k = numClasses;
  const size = k * width + k;
  const n = rows.length;
  const z = new Float64Array(k);

  /** Objective at `w`; its gradient into `g`. */
  const evaluate = (w: Float64Array, g: Float64Array): number => {
    g.fill(0);
    let f = 0;
    for (let t = 0; t < n; t++) {
      const row = rows[t]!;
      const length = features.length(row);
      const offset = row * width;
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        let s = w[k * width + c]!;
        const o = c * width;
        for (let i = 0; i < length; i++) s += w[o + i]! * data[offset + i]!;
        z[c] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) sum += z[c] = Math.exp(z[c]! - max);
      const y = labels[t]!;
      f -= Math.log(z[y]! / sum);
      for (let c = 0; c < k; c++) {
        const d = (z[c]! / sum - (c === y ? 1 : 0)) / n;
        if (d === 0) continue;
        const o = c * width;
        for (let i = 0; i < length; i++) g[o + i] += d * data[offset + i]!;
        g[k * width + c] += d;
      }
    }
    f /= n;
    for (let j = 0; j < k * width; j++) {
      f += 0.5 * lambda * w[j]! * w[j]!;
      g[j] += lambda * w[j]!;
    }
    return f;
  };

  const w = new Float64Array(size);
  const g = new Float64Array(size);
  const trial = new Float64Array(size);
  const trialGradient = new Float64Array(size);
  const direction = new Float64Array(size);
  const steps: Float64Array[] = [];
  const changes: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(options.memory);
  let f = evaluate(w, g);
  let iterations = 0;
  for (; iterations < options.maxIterations; iterations++) {
    // Two-loop recursion: direction ≈ H⁻¹ g.
    direction.set(g);
    for (let j = steps.length - 1; j >= 0; j--) {
      const a = rho[j]! * dot(steps[j]!, direction);
      alpha[j] = a;
      axpy(-a, changes[j]!, direction);
    }
    if (steps.length > 0) {
      const last = steps.length - 1;
      scale(direction, dot(steps[last]!, changes[last]!) / dot(changes[last]!, changes[last]!));
    } else scale(direction, 1 / Math.max(1, Math.sqrt(dot(g, g))));
    for (let j = 0; j < steps.length; j++) axpy(alpha[j]! - rho[j]! * dot(changes[j]!, direction), steps[j]!, direction);
    const slope = dot(g, direction);
    if (!(slope > 0)) {
      // Not a descent direction (numerical trouble): forget the curvature pairs and take the gradient.
      if (steps.length === 0) break;
      steps.length = changes.length = rho.length = 0;
      continue;
    }
    // Backtracking (Armijo) line search from the quasi-Newton step.
    let step = 1;
    let next = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < size; i++) trial[i] = w[i]! - step * direction[i]!;
      next = evaluate(trial, trialGradient);
      if (next <= f - 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(next < f)) break;
    const s = new Float64Array(size);
    const y = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      s[i] = trial[i]! - w[i]!;
      y[i] = trialGradient[i]! - g[i]!;
    }
    const decrease = f - next;
    w.set(trial);
    g.set(trialGradient);
    f = next;
    const sy = dot(s, y);
    if (sy > 1e-12) {
      steps.push(s);
      changes.push(y);
      rho.push(1 / sy);
      if (steps.length > options.memory) {
        steps.shift();
        changes.shift();
        rho.shift();
      }
    }
    let largest = 0;
    for (let i = 0; i < size; i++) largest = Math.max(largest, Math.abs(g[i]!));
    if (largest < options.gradientTolerance || decrease < options.relativeDecrease * Math.max(1, Math.abs(f))) {
      iterations++;
      break;
    }
  }
  return { parameters: w, width, numClasses: k, iterations };
}

/** Class probabilities of row `row` of `features` into `out` (length numClasses). */
export function predictLogistic(model: LogisticModel, features: FeatureRows, row: number, out: Float64Array): Float64Array {
  const { parameters: w, width, numClasses: k } = model;
  const length = features.length(row);
  const offset = row * width;
  let max = -Infinity;
  for (let c = 0; c < k; c++) {
    let s = w[k * width + c]!;
    for (let i = 0; i < length; i++) s += w[c * width + i]! * features.data[offset + i]!;
    out[c] = s;
    if (s > max) max = s;
  }
  let sum = 0;
  for (let c = 0; c < k; c++) sum += out[c] = Math.exp(out[c]! - max);
  for (let c = 0; c < k; c++) out[c] = out[c]! / sum;
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i]!;
}

function scale(x: Float64Array, a: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= a;
}
