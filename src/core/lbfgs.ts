/**
 * Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, algorithms 7.4 and 7.5) with a backtracking
 * Armijo line search, for smooth convex objectives such as L2-regularised logistic regression. Deterministic:
 * no randomness, a fixed order of every sum. The objective is a callback, so it may stream its data.
 * (No maintained npm package offers L-BFGS over a caller-supplied streamed objective; this is 100 lines.)
 */

/** f(x), writing ∇f(x) into `gradient`. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  /** Stop when the largest |∂f/∂xᵢ| is below this. */
  gradientTolerance: number;
  /** Stop when an iteration lowers f by less than this × max(|f|, 1). */
  relativeTolerance: number;
  maxIterations: number;
  /** Correction pairs kept. */
  memory: number;
}

/** scikit-learn's tolerance for its lbfgs solver (1e-4 on the largest gradient entry). */
export const DEFAULT_LBFGS: LbfgsOptions = { gradientTolerance: 1e-4, relativeTolerance: 1e-9, maxIterations: 500, memory: 10 };

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
  /** Objective evaluations (each is one pass over the data for a streamed objective). */
  evaluations: number;
  converged: boolean;
}

/** Minimises `f` from `start` (not modified). `onIteration` sees each accepted iterate. */
export function minimizeLbfgs(
  f: Objective,
  start: Float64Array,
  options: LbfgsOptions = DEFAULT_LBFGS,
  onIteration?: (iteration: number, value: number, x: Float64Array) => void,
): LbfgsResult {
  const n = start.length;
  let x = Float64Array.from(start);
  let g = new Float64Array(n);
  let value = f(x, g);
  let evaluations = 1;
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const direction = new Float64Array(n);
  const alpha = new Float64Array(options.memory);
  let nextX = new Float64Array(n);
  let nextG = new Float64Array(n);
  let iterations = 0;
  let converged = maxAbs(g) < options.gradientTolerance;
  onIteration?.(0, value, x);
  while (!converged && iterations < options.maxIterations) {
    // Two-loop recursion: direction = −H·g.
    direction.set(g);
    for (let j = s.length - 1; j >= 0; j--) {
      alpha[j] = rho[j]! * dot(s[j]!, direction);
      axpy(-alpha[j]!, y[j]!, direction);
    }
    const gamma = s.length ? dot(s.at(-1)!, y.at(-1)!) / dot(y.at(-1)!, y.at(-1)!) : 1 / Math.max(norm(g), 1e-300);
    for (let i = 0; i < n; i++) direction[i] = direction[i]! * gamma;
    for (let j = 0; j < s.length; j++) {
      const beta = rho[j]! * dot(y[j]!, direction);
      axpy(alpha[j]! - beta, s[j]!, direction);
    }
    for (let i = 0; i < n; i++) direction[i] = -direction[i]!;
    let slope = dot(g, direction);
    if (!(slope < 0)) {
      // Not a descent direction (rounding): restart from steepest descent.
      s.length = y.length = rho.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -g[i]! / Math.max(norm(g), 1e-300);
      slope = dot(g, direction);
    }
    // Backtracking until the Armijo condition holds.
    let step = 1;
    let nextValue = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) nextX[i] = x[i]! + step * direction[i]!;
      nextValue = f(nextX, nextG);
      evaluations++;
      if (nextValue <= value + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(nextValue <= value + 1e-4 * step * slope)) break; // no progress possible in float arithmetic
    iterations++;
    const sk = new Float64Array(n);
    const yk = new Float64Array(n);
    for (let i = 0; i < n; i++) (sk[i] = nextX[i]! - x[i]!), (yk[i] = nextG[i]! - g[i]!);
    const sy = dot(sk, yk);
    if (sy > 1e-12 * dot(yk, yk)) {
      if (s.length === options.memory) s.shift(), y.shift(), rho.shift();
      s.push(sk), y.push(yk), rho.push(1 / sy);
    }
    const decrease = value - nextValue;
    [x, nextX] = [nextX, x];
    [g, nextG] = [nextG, g];
    value = nextValue;
    onIteration?.(iterations, value, x);
    converged = maxAbs(g) < options.gradientTolerance || decrease <= options.relativeTolerance * Math.max(Math.abs(value), 1);
  }
  return { x, value, iterations, evaluations, converged };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] = y[i]! + a * x[i]!;
}

function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
