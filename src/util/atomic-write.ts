import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Writes a file by writing a temp file beside it and renaming it over the target. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await fs.writeFile(temp, data);
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

/** A fresh temp folder beside `target`, on the same file system so it can be renamed into place. */
export async function makeTempDirBeside(target: string): Promise<string> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  return fs.mkdtemp(path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-`));
}

/**
 * Puts the finished folder `ready` in place of `target`. The old folder is moved aside (to a name of this
 * process) first and removed only after the new one is in place; if another process swaps its own folder in
 * at the same moment, the swap is retried, so the last one wins and the folder is never a mix. `recoverDir`
 * restores the old folder if a crash happened between the two renames.
 */
export async function replaceDir(ready: string, target: string): Promise<void> {
  const aside = `${target}.previous-${process.pid}`;
  for (let attempt = 1; ; attempt++) {
    let hadOld = true;
    try {
      await fs.rename(target, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      hadOld = false;
    }
    try {
      await fs.rename(ready, target);
      if (hadOld) await fs.rm(aside, { recursive: true, force: true });
      return;
    } catch (error) {
      const raced = ['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '');
      if (!raced) {
        // Our folder could not go in: put the old one back.
        if (hadOld) await fs.rename(aside, target).catch(() => undefined);
        throw error;
      }
      // Another process put its folder at `target` between our renames: ours replaces it on the next try.
      if (hadOld) await fs.rm(aside, { recursive: true, force: true });
      if (attempt >= 5) throw error;
    }
  }
}

/**
 * Cleans up after a process killed while writing `target`: undoes a replaceDir interrupted between its
 * renames (the previous folder comes back) and removes temp and set-aside folders left beside it by
 * processes that are gone (another live build may be writing its own).
 */
export async function recoverDir(target: string): Promise<void> {
  const dir = path.dirname(target);
  const base = path.basename(target);
  const siblings = await fs.readdir(dir).catch(() => [] as string[]);
  const deadPrefixed = (prefix: string) =>
    siblings.filter((n) => n.startsWith(prefix) && !isAlive(Number.parseInt(n.slice(prefix.length), 10)));
  for (const name of deadPrefixed(`.${base}.tmp-`)) await fs.rm(path.join(dir, name), { recursive: true, force: true });
  for (const name of deadPrefixed(`${base}.previous-`)) {
    const aside = path.join(dir, name);
    // Killed between its renames: the set-aside folder is the last good model when nothing took its place.
    const restored = await fs.access(target).then(
      () => false,
      () => fs.rename(aside, target).then(() => true, () => false),
    );
    if (!restored) await fs.rm(aside, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
