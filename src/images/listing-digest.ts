import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';

/**
 * One SHA-256 over a scan's listing: the labels, then per image (in scan order) its path, label, name in
 * its class folder and what `stat` says of it: size, modification and change times, inode and device (a
 * superset of what the stat cache trusts to skip re-reading a file), or why it cannot be stat'ed. Equal
 * digests mean the hash stage would give the same content hashes without reading a file.
 *
 * Streamed: synchronous stats (a few microseconds each; a promise per file costs ten times that), one
 * line per file appended to a chunk, so nothing per file is kept.
 */
export function listingDigest(labels: readonly string[], images: ReadonlyArray<{ path: string; label: string; relPath: string }>): string {
  const hash = createHash('sha256');
  hash.update(`${JSON.stringify(labels)}\n`);
  let chunk = '';
  for (const image of images) {
    chunk += `${image.path}\0${image.label}\0${image.relPath}\0${statLine(image.path)}\n`;
    if (chunk.length > 1 << 16) {
      hash.update(chunk);
      chunk = '';
    }
  }
  hash.update(chunk);
  return hash.digest('hex');
}

function statLine(file: string): string {
  try {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!stat) return 'missing';
    return `${stat.isFile() ? 'f' : 'o'} ${stat.size} ${stat.mtimeMs} ${stat.ctimeMs} ${stat.ino} ${stat.dev}`;
  } catch (error) {
    return `error ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
  }
}
