/**
 * Shrinks the cache file after entries were removed. LMDB never gives pages back to the file system: freed
 * pages are reused, so a file only grows. LMDB's compacting copy writes the live pages of one consistent
 * snapshot into a new file, which then replaces the old one by rename.
 *
 * The swap is safe only when no other process has the cache open: one that has keeps using the old file
 * (and shares the lock file with the new one). LMDB holds POSIX locks on its lock file for as long as an
 * environment is open, so /proc/locks (Linux) tells; elsewhere, or when another process holds the cache,
 * the copy is dropped and the file is left as it is (its free pages are reused by later writes).
 */
import fs from 'node:fs';
import type { RetrainCache } from './retrain-cache.js';

export type Compaction =
  | { compacted: true; bytesBefore: number; bytesAfter: number }
  | { compacted: false; bytesBefore: number; reason: string };

/** Compacts the cache file in place. Closes `cache` (its file is replaced): open it again to go on. */
export async function compactCache(cache: RetrainCache): Promise<Compaction> {
  await cache.flushed();
  const bytesBefore = cache.diskBytes();
  const copy = `${cache.file}.compact-${process.pid}`;
  fs.rmSync(copy, { force: true });
  try {
    await cache.compactCopy(copy);
  } finally {
    await cache.close();
  }
  const holders = processesHolding(`${cache.file}-lock`);
  const reason = holders === undefined ? 'cannot tell on this system whether another process uses the cache' : holders.length > 0 ? `in use by process ${holders.join(', ')}` : undefined;
  if (reason) {
    fs.rmSync(copy, { force: true });
    return { compacted: false, bytesBefore, reason };
  }
  const bytesAfter = fs.statSync(copy).size;
  fs.renameSync(copy, cache.file);
  return { compacted: true, bytesBefore, bytesAfter };
}

/** Process ids holding a POSIX lock on `file` (from /proc/locks); undefined when that cannot be known. */
export function processesHolding(file: string): number[] | undefined {
  let locks: string;
  try {
    locks = fs.readFileSync('/proc/locks', 'utf8');
  } catch {
    return undefined;
  }
  const inode = fs.statSync(file, { throwIfNoEntry: false })?.ino;
  if (inode === undefined) return [];
  const pids = new Set<number>();
  for (const line of locks.split('\n')) {
    // "1: POSIX  ADVISORY  READ 1234 00:2e:5678 0 0" (blocked waiters have "->" after the id)
    const fields = line.replace('->', '').trim().split(/\s+/);
    const [pid, device] = [Number(fields[4]), fields[5]];
    if (device && Number(device.split(':')[2]) === inode && Number.isInteger(pid)) pids.add(pid);
  }
  return [...pids];
}
