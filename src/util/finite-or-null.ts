/** A number for JSON, where NaN and Infinity (no test images, say) become null. */
export function finiteOrNull(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}
