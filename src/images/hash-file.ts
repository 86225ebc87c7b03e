import { lstatSync, statSync, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import type { RetrainCache } from '../store/retrain-cache.js';
import { contentKey } from '../store/keys.js';

export class UnusableFileError extends Error {
  override name = 'UnusableFileError';
}

/**
 * SHA-256 of a file's content. The stat cache (size, mtime, inode → hash) answers for a file that has not
 * changed since it was last hashed, so it is not read again. Throws UnusableFileError for an empty or
 * non-regular file, or the file system's error.
 */
export async function hashFile(cache: RetrainCache, file: string): Promise<string> {
  return (await hashFileFrom(cache, file)).sha256;
}

/**
 * hashFile, whether the stat cache answered (`read`: false) or the file was read, and the size and modification time
 * the hash goes with (the stat taken before the read): what the stage record keeps, so a file changed after it was
 * hashed differs from its record.
 */
export async function hashFileFrom(cache: RetrainCache, file: string): Promise<{ sha256: string; read: boolean; size: number; mtimeMs: number }> {
  // A synchronous stat is a few microseconds; the promise one costs ten times that in thread-pool hops,
  // which dominates a no-op rebuild of many files.
  let stat: Stats;
  try {
    stat = statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink()) {
      throw new UnusableFileError('broken symbolic link (its target does not exist)');
    }
    throw error;
  }
  if (!stat.isFile()) throw new UnusableFileError('not a regular file');
  if (stat.size === 0) throw new UnusableFileError('empty file (0 bytes)');
  const known = cache.getFileRecord(file);
  if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs && known.ino === stat.ino) return { sha256: known.sha256, read: false, size: stat.size, mtimeMs: stat.mtimeMs };
  const sha256 = contentKey(await fs.readFile(file));
  void cache.putFileRecord(file, { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, sha256 });
  return { sha256, read: true, size: stat.size, mtimeMs: stat.mtimeMs };
}
