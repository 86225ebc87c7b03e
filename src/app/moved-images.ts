import fs from 'node:fs/promises';
import type { StageStatus } from '../pipeline/explain-stage.js';
import type { RecordedImage } from '../pipeline/stage-record.js';
import { plural } from '../util/plural.js';

/**
 * How many of the `added` paths are images of the last build moved or renamed (`mv images/roses images/rose`):
 * a `removed` path the build recorded is gone, and an added file has its size and modification time (which a
 * move keeps; the hash stage takes a file with the same size and time as unchanged by the same rule). `recorded`: the
 * last build's record of (at least) these paths (readRecordedImages).
 */
export async function countMoved(added: Iterable<string>, removed: Iterable<string>, recorded: ReadonlyMap<string, Pick<RecordedImage, 'size' | 'mtimeMs'>>): Promise<number> {
  const gone = new Map<string, number>();
  for (const file of removed) {
    const known = recorded.get(file);
    if (!known || (await fs.stat(file).then(() => true, () => false))) continue;
    const key = `${known.size}:${known.mtimeMs}`;
    gone.set(key, (gone.get(key) ?? 0) + 1);
  }
  let moved = 0;
  if (gone.size === 0) return moved;
  for (const file of added) {
    if (recorded.has(file)) continue;
    const stat = await fs.stat(file).catch(() => undefined);
    const key = stat?.isFile() ? `${stat.size}:${stat.mtimeMs}` : '';
    const left = gone.get(key);
    if (!left) continue;
    gone.set(key, left - 1);
    moved++;
  }
  return moved;
}

/**
 * The bottleneck stage's "N new images" (from the status, which compares paths) said truthfully when `moved`
 * of them are moved or renamed images: "25 images moved or renamed (their vectors are cached)", or "3 new images,
 * 25 moved or renamed (…)". Their vectors are said to be cached only when nothing else makes the stage stale
 * (a new model computes every vector again). Other stages and reasons are kept as they are.
 */
export function sayMoved(stages: readonly StageStatus[], moved: number): StageStatus[] {
  if (moved === 0) return [...stages];
  return stages.map((status) => {
    if (status.stage !== 'bottleneck') return status;
    const index = status.reasons.findIndex((reason) => /^\d+ new images?\b/.test(reason));
    if (index === -1) return status;
    const reason = status.reasons[index]!;
    const [, count, rest] = /^(\d+) new images?(.*)$/s.exec(reason)!;
    const fresh = Number(count) - Math.min(moved, Number(count));
    const movedHere = Number(count) - fresh;
    const cached = status.reasons.length === 1 ? ` (${movedHere === 1 ? 'its vector is' : 'their vectors are'} cached)` : '';
    const said = fresh === 0 ? `${plural(movedHere, 'image')} moved or renamed${cached}` : `${plural(fresh, 'new image')}, ${movedHere} moved or renamed${cached}`;
    return { ...status, reasons: status.reasons.map((r, i) => (i === index ? said + rest : r)) };
  });
}
