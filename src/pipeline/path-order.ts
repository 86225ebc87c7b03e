/**
 * The one order of image paths that the stage record is written in and `retrain status` merges in: JavaScript's
 * string order (UTF-16 code units). Not the scan's order (folder by folder, names compared as the scan compares
 * them), not UTF-8 byte order (which puts characters above U+FFFF after U+E000–U+FFFF, this before): any order
 * would do, so long as the writer, the reader's check and the merge use this one.
 */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rows that have a path: a scan's images, a data set's columns. */
export interface PathRows {
  readonly count: number;
  path(i: number): string;
  /**
   * When the rows know it without comparing strings: a number per row that orders the rows as their paths do (the
   * row of a scan listed in path order), else undefined.
   */
  pathRank?(i: number): number | undefined;
}

/**
 * The row numbers of `rows` in path order: 0…count-1 when the rows are in that order already (one pass), else
 * the row numbers sorted by path (4 bytes a row: the paths themselves are not copied).
 */
export function rowsInPathOrder(rows: PathRows): Uint32Array {
  const order = new Uint32Array(rows.count);
  if (rows.count > 0 && rows.pathRank?.(0) !== undefined) {
    // Sorted by rank: numbers compared, not a million paths made and compared again and again.
    const rank = new Float64Array(rows.count);
    for (let i = 0; i < rows.count; i++) {
      order[i] = i;
      rank[i] = rows.pathRank(i)!;
    }
    return order.sort((a, b) => rank[a]! - rank[b]!);
  }
  let sorted = true;
  for (let i = 0; i < rows.count; i++) {
    order[i] = i;
    if (sorted && i > 0 && comparePaths(rows.path(i - 1), rows.path(i)) > 0) sorted = false;
  }
  if (!sorted) order.sort((a, b) => comparePaths(rows.path(a), rows.path(b)));
  return order;
}
