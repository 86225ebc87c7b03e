/**
 * An orthonormal basis of the span of fewer vectors than dimensions (modified Gram–Schmidt, twice, in
 * float64), and every vector's coordinates in it. An L2-regularised linear model's optimal weights lie in the
 * span of its training vectors, and rotating into an orthonormal basis keeps every dot product and the L2
 * norm, so the model can be fitted on the r-dimensional coordinates (r ≤ the number of vectors) and mapped
 * back: the same optimum at r/d of the cost per pass. Directions whose residual is below 1e-9 of the vector's
 * length are dropped (the vectors are then linearly dependent). The audit's fold heads use the same coordinates
 * from the Cholesky factor of a Gram matrix instead (audit/kernel-coordinates.ts): cheaper, but without the
 * basis, which the converged head needs to map its weights back to the original space.
 */
export interface SpanBasis {
  /** r orthonormal rows of length d. */
  basis: Float64Array[];
  /** Each vector's r coordinates. */
  coordinates: Float64Array[];
}

export function spanBasis(vectors: readonly Float32Array[]): SpanBasis {
  const basis: Float64Array[] = [];
  for (const x of vectors) {
    const residual = Float64Array.from(x);
    const length = Math.sqrt(dot(residual, residual));
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        const a = dot(q, residual);
        for (let j = 0; j < residual.length; j++) residual[j] = residual[j]! - a * q[j]!;
      }
    }
    const left = Math.sqrt(dot(residual, residual));
    if (left > 1e-9 * length && left > 0) {
      for (let j = 0; j < residual.length; j++) residual[j] = residual[j]! / left;
      basis.push(residual);
    }
  }
  const coordinates = vectors.map((x) => Float64Array.from(basis, (q) => dot(q, x)));
  return { basis, coordinates };
}

/** Rows of coordinates (k × r, class-major) back to rows in the original space (k × d). */
export function fromBasis(rows: Float64Array, numRows: number, basis: readonly Float64Array[], d: number): Float64Array {
  const r = basis.length;
  const out = new Float64Array(numRows * d);
  for (let c = 0; c < numRows; c++) {
    for (let j = 0; j < r; j++) {
      const a = rows[c * r + j]!;
      const q = basis[j]!;
      for (let i = 0; i < d; i++) out[c * d + i] = out[c * d + i]! + a * q[i]!;
    }
  }
  return out;
}

/** Rows in the original space (k × d) projected to coordinates (k × r). */
export function toBasis(rows: Float64Array, numRows: number, basis: readonly Float64Array[], d: number): Float64Array {
  const r = basis.length;
  const out = new Float64Array(numRows * r);
  for (let c = 0; c < numRows; c++) for (let j = 0; j < r; j++) out[c * r + j] = dot(basis[j]!, rows.subarray(c * d, (c + 1) * d));
  return out;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
