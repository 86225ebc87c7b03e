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
 * Puts the finished folder `ready` in place of `target`. The old folder is moved aside first and removed
 * only after the new one is in place; `recoverDir` restores it if a crash happened between the two renames.
 */
export async function replaceDir(ready: string, target: string): Promise<void> {
  const aside = `${target}.previous`;
  await fs.rm(aside, { recursive: true, force: true });
  let hadOld = true;
  try {
    await fs.rename(target, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    hadOld = false;
  }
  try {
    await fs.rename(ready, target);
  } catch (error) {
    if (hadOld) await fs.rename(aside, target);
    throw error;
  }
  if (hadOld) await fs.rm(aside, { recursive: true, force: true });
}

/**
 * Cleans up after a process killed while writing `target`: undoes a replaceDir interrupted between its
 * renames (the previous folder comes back) and removes temp folders left beside it by processes that are
 * gone (another live build may be writing its own).
 */
export async function recoverDir(target: string): Promise<void> {
  const prefix = `.${path.basename(target)}.tmp-`;
  const siblings = await fs.readdir(path.dirname(target)).catch(() => [] as string[]);
  for (const name of siblings.filter((n) => n.startsWith(prefix))) {
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    if (!isAlive(pid)) await fs.rm(path.join(path.dirname(target), name), { recursive: true, force: true });
  }
  const aside = `${target}.previous`;
  try {
    await fs.access(target);
  } catch {
    try {
      await fs.rename(aside, target);
    } catch {
      // nothing to recover
    }
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
