import { gramMatrix } from '../logit-trackers.js';

/**
 * Coordinates of n vectors in which an L2-regularised linear model costs the least and means the same.
 * Scaled so the mean squared length is 1 (the regularisation strength is then independent of the backbone's
 * scale). When the vectors are longer than they are many (1,280 floats, 500 images), their rows of the
 * Cholesky factor L of the Gram matrix (K = L·Lᵀ): the coordinates of each vector in an orthonormal basis of
 * their span, so every dot product, hence every L2-regularised linear model's predictions and penalty, is the
 * same as on the vectors themselves, with n numbers a vector instead of d (and row i only i + 1 of them).
 * A tiny ridge (1e-6 of the mean squared length) keeps the factorisation defined for identical or dependent
 * vectors (duplicates are common in the data sets the audit looks at).
 * The same coordinates as span-basis.ts's Gram–Schmidt (L = the coordinates in that basis), which the build's
 * converged head uses because it needs the basis itself to map its weights back; the audit only needs the
 * coordinates, shared by all its folds, and these cost a Gram matrix (n²·d/2) instead of Gram–Schmidt (2·n²·d).
 */
export interface KernelCoordinates {
  /** n × width, row-major. */
  data: Float64Array;
  width: number;
  /** Row i has i + 1 leading entries (Cholesky), else `width`. */
  triangular: boolean;
}

export const CHOLESKY_RIDGE = 1e-6;

export function kernelCoordinates(vectors: readonly Float32Array[]): KernelCoordinates {
  const n = vectors.length;
  const d = vectors[0]?.length ?? 0;
  let meanSquare = 0;
  for (const v of vectors) for (let i = 0; i < d; i++) meanSquare += v[i]! * v[i]!;
  meanSquare = meanSquare / Math.max(1, n) || 1;
  if (d <= n) {
    const factor = 1 / Math.sqrt(meanSquare);
    const data = new Float64Array(n * d);
    vectors.forEach((v, r) => {
      for (let i = 0; i < d; i++) data[r * d + i] = v[i]! * factor;
    });
    return { data, width: d, triangular: false };
  }
  const gram = gramMatrix(vectors);
  for (let i = 0; i < gram.length; i++) gram[i] = gram[i]! / meanSquare;
  return { data: cholesky(gram, n, CHOLESKY_RIDGE), width: n, triangular: true };
}

/** The lower-triangular L with L·Lᵀ = K + ridge·I (K symmetric positive semi-definite, n × n, row-major). */
export function cholesky(k: Float64Array, n: number, ridge: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = k[i * n + j]! + (i === j ? ridge : 0);
      for (let m = 0; m < j; m++) s -= l[i * n + m]! * l[j * n + m]!;
      if (i === j) l[i * n + i] = Math.sqrt(Math.max(s, ridge));
      else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  return l;
}

/** Row i of the coordinates as the solver reads it (logistic-regression.ts): its i + 1 leading entries (Cholesky), else all. */
export function coordinateRows(coordinates: KernelCoordinates): Float64Array[] {
  const { data, width, triangular } = coordinates;
  return Array.from({ length: data.length / width }, (_, i) => data.subarray(i * width, i * width + (triangular ? i + 1 : width)));
}
