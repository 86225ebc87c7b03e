import fs from 'node:fs/promises';
import path from 'node:path';

/** The image roots to scan, each once, and what was dropped and why. */
export interface DistinctRoots {
  roots: string[];
  notes: string[];
}

/**
 * Drops image roots that name a folder already listed (`./ab` and `./ab/`, or a symbolic link to it),
 * compared by real path, and roots inside another root (their images are already in that root's classes).
 * A root that cannot be resolved (missing) is kept as typed, for the scan to report. Pure apart from
 * `realpath`.
 */
export async function distinctRoots(dirs: readonly string[], realpath = (dir: string) => fs.realpath(dir)): Promise<DistinctRoots> {
  const resolved = await Promise.all(
    dirs.map(async (dir) => ({ dir, real: await realpath(dir).catch(() => path.resolve(dir)) })),
  );
  return distinctRootsOf(resolved);
}

export function distinctRootsOf(resolved: ReadonlyArray<{ dir: string; real: string }>): DistinctRoots {
  const notes: string[] = [];
  const unique: Array<{ dir: string; real: string }> = [];
  for (const root of resolved) {
    const same = unique.find((other) => other.real === root.real);
    if (same) notes.push(`image folder ${root.dir} is the same folder as ${same.dir}; its images are counted once`);
    else unique.push(root);
  }
  const kept = unique.filter((root) => {
    const outer = unique.find((other) => other !== root && isInside(root.real, other.real));
    if (outer) notes.push(`image folder ${root.dir} is inside image folder ${outer.dir}, whose classes already hold its images; it is not scanned again`);
    return !outer;
  });
  return { roots: kept.map((root) => root.dir), notes };
}

/** True when `inner` is strictly below `outer`. */
export function isInside(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}
