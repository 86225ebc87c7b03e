/**
 * Checks LMDB's lock file (`cache.lmdb-lock`) with plain file calls before LMDB opens it. lmdb-js crashes
 * the process (SIGSEGV, no message) when its data file opens but its lock file cannot: a folder, a FIFO or
 * a dangling symbolic link in its place, or a file it may not read and write. The lock file holds only the
 * reader table (no cached data); LMDB makes a new one when it is absent, so moving it away is always safe
 * while no retrain uses the cache.
 */
import fs from 'node:fs';
import { CacheError } from './cache-file-errors.js';

/** LMDB's lock file beside the data file `file`. */
export function cacheLockFile(file: string): string {
  return `${file}-lock`;
}

/** Throws one CacheError line naming the lock file when LMDB could not use it; absent or usable: nothing. */
export function checkLockFile(file: string): void {
  const lock = cacheLockFile(file);
  const link = fs.lstatSync(lock, { throwIfNoEntry: false });
  if (!link) return;
  const stat = link.isSymbolicLink() ? fs.statSync(lock, { throwIfNoEntry: false }) : link;
  const what = !stat ? 'a symbolic link to nothing' : stat.isDirectory() ? 'a folder' : stat.isFIFO() ? 'a FIFO' : !stat.isFile() ? 'not a regular file' : undefined;
  const fix = 'it holds no cached data: move it away (LMDB makes a new one) and run again';
  if (what) throw new CacheError(`the cache's lock file ${lock} is ${what}, not a file LMDB can use; ${fix}`);
  try {
    fs.closeSync(fs.openSync(lock, 'r+'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A read-only file system is said by the open that follows, naming the cache folder (describeOpenError).
    if (code === 'EROFS' || code === 'ENOENT') return;
    // The data file this user may not write either (a cache made by another user): the open that follows
    // says so, naming the cache folder, as it does without a lock file.
    if ((code === 'EACCES' || code === 'EPERM') && !writable(file)) return;
    if (code === 'EACCES' || code === 'EPERM') throw new CacheError(`the cache's lock file ${lock} cannot be read and written by this user (permission denied); ${fix}, or give this user the file`);
    throw new CacheError(`the cache's lock file ${lock} cannot be opened (${code ?? (error as Error).message}); ${fix}`);
  }
}

function writable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
