import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Writes a file by writing a temp file beside it and renaming it over the target. */
export function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  return writeFileAtomicChunks(file, [data]);
}

/** writeFileAtomic for content made piece by piece (strings as UTF-8): the whole text is never held at once. */
export async function writeFileAtomicChunks(file: string, chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const handle = await fs.open(temp, 'w');
    try {
      // A write may take less than it is given (a full disk, a size limit) without an error: the rest is written
      // until it is all there or the system says why not (ENOSPC, EFBIG), never dropped.
      for await (const chunk of chunks) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        for (let offset = 0; offset < bytes.length; ) {
          const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
          if (bytesWritten === 0) throw new Error(`cannot write ${temp}: the system wrote nothing`);
          offset += bytesWritten;
        }
      }
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

/**
 * A fresh temp folder beside `target`, on the same file system so it can be renamed into place, named
 * `.<name>.tmp-<pid>-<random>` so a later run can tell it apart (see recoverDir). Made with the normal
 * umask (mkdtemp would make it 0700, and the renamed model folder would stay private).
 */
export async function makeTempDirBeside(target: string): Promise<string> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  for (;;) {
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await fs.mkdir(temp);
      return temp;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * Puts the finished folder `ready` in place of `target`, once `mayReplace` (which throws to refuse) accepts
 * what is there. The old folder is moved aside (to a name of this
 * process) first and removed only after the new one is in place; if another process swaps its own folder in
 * at the same moment, the swap is retried, so the last one wins and the folder is never a mix. `recoverDir`
 * restores the old folder if a crash happened between the two renames.
 */
export async function replaceDir(ready: string, target: string, mayReplace: (target: string) => Promise<void>): Promise<void> {
  const aside = `${target}.previous-${process.pid}`;
  for (let attempt = 1; ; attempt++) {
    // Checked again right before the swap: files may have been put there since the run began.
    await mayReplace(target);
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
 * processes that are gone (another live build may be writing its own). Only folders named exactly as
 * makeTempDirBeside and replaceDir name them, and whose content `isOurs` accepts, are ever removed.
 */
export async function recoverDir(target: string, isOurs: (dir: string) => Promise<boolean>): Promise<void> {
  const dir = path.dirname(target);
  const base = path.basename(target);
  const siblings = await fs.readdir(dir).catch(() => [] as string[]);
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const leftovers = (pattern: RegExp) =>
    siblings.filter((name) => {
      const pid = pattern.exec(name)?.[1];
      return pid !== undefined && !isAlive(Number.parseInt(pid, 10));
    });
  for (const name of leftovers(new RegExp(`^\\.${escaped}\\.tmp-(\\d+)-[0-9A-Za-z]+$`))) {
    const temp = path.join(dir, name);
    if (await isOurs(temp)) await fs.rm(temp, { recursive: true, force: true });
  }
  for (const name of leftovers(new RegExp(`^${escaped}\\.previous-(\\d+)$`))) {
    const aside = path.join(dir, name);
    // Killed between its renames: the set-aside folder is the last good model when nothing took its place.
    const restored = await fs.access(target).then(
      () => false,
      () => fs.rename(aside, target).then(() => true, () => false),
    );
    if (!restored && (await isOurs(aside))) await fs.rm(aside, { recursive: true, force: true });
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
