/** One-line errors about the cache's file and folder, and moving a damaged data file aside. */
import fs from 'node:fs';
import path from 'node:path';

/** An error about the cache whose message is the whole story: what, where, what to do. */
export class CacheError extends Error {
  override name = 'CacheError';
}

export interface MovedAside {
  from: string;
  to: string;
  reason: string;
}

export function cacheDamagedMessage(file: string, reason: string): string {
  return `the cache file ${file} is damaged (${reason}): run "retrain cache verify --repair --cache-dir ${quote(path.dirname(file))}" to move it aside and start an empty cache`;
}

/**
 * Renames a damaged data file (and its lock file, so no process still using the old one shares a lock
 * with the new file) to `<name>.damaged-<time>`; nothing is deleted. Another process that found the same
 * damage first may have moved it already: then there is nothing left to move.
 */
export function moveAside(file: string, reason: string): MovedAside {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const to = `${file}.damaged-${stamp}`;
  try {
    fs.renameSync(file, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new CacheError(`the cache file ${file} is damaged (${reason}) and cannot be moved aside: ${(error as Error).message}`);
  }
  try {
    fs.renameSync(`${file}-lock`, `${to}-lock`);
  } catch {
    // no lock file, or moved by the other process
  }
  return { from: file, to, reason };
}

/** LMDB's open errors (errno text without a path) as one line naming the cache folder and the way out. */
export function describeOpenError(dir: string, error: NodeJS.ErrnoException): Error {
  const text = `${error.code ?? ''} ${error.message}`;
  if (/EROFS|Read-only file system/i.test(text)) {
    return new CacheError(`cannot open the cache in ${dir}: the file system is read-only; point --cache-dir (cacheDir) at a writable folder`);
  }
  if (/EACCES|EPERM|Permission denied|Operation not permitted/i.test(text)) {
    return new CacheError(`cannot open the cache in ${dir}: permission denied; point --cache-dir (cacheDir) at a folder you can write`);
  }
  if (/ENOTDIR|Not a directory/i.test(text)) {
    return new CacheError(`cannot open the cache in ${dir}: part of that path is a file, not a folder; point --cache-dir (cacheDir) at a folder`);
  }
  if (/ENOSPC|No space left/i.test(text)) return new CacheError(`cannot open the cache in ${dir}: no space left on the device`);
  return new CacheError(`cannot open the cache in ${dir}: ${error.message.split('\n')[0]}`);
}

function quote(text: string): string {
  return /^[\w./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** LMDB's errors for a file whose pages make no sense (found while reading, not before mapping). */
const DAMAGE_ERRORS = /MDB_(PAGE_NOTFOUND|CORRUPTED|PROBLEM|BAD_TXN|INVALID|VERSION_MISMATCH)/;

/** Why an error from LMDB means the file is damaged, or undefined when it does not. */
export function lmdbDamage(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  return DAMAGE_ERRORS.exec(message) ? message.split('\n')[0]!.replace(/^cannot write the cache in \S+: /, '') : undefined;
}
