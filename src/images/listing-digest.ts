import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';

/** Files per chunk fed to the hash: their names as one string, their stat fields as one block of doubles. */
const CHUNK = 4096;
const FIELDS = 6;

/**
 * One SHA-256 over a scan's listing: the labels, then per image (in scan order) its path, label, name in
 * its class folder and what `stat` says of it: size, modification and change times, inode and device (a
 * superset of what the stat cache trusts to skip re-reading a file), or why it cannot be stat'ed. Equal
 * digests mean the hash stage would give the same content hashes without reading a file.
 *
 * Streamed: synchronous stats (a few microseconds each; a promise per file costs ten times that), names
 * and numbers appended to a chunk (the numbers as doubles, not formatted), so nothing per file is kept.
 */
export function listingDigest(labels: readonly string[], images: Iterable<{ path: string; label: string; relPath: string }>): string {
  const hash = createHash('sha256');
  hash.update(`${JSON.stringify(labels)}\n`);
  const numbers = new Float64Array(CHUNK * FIELDS);
  const bytes = new Uint8Array(numbers.buffer);
  let names = '';
  let n = 0;
  const flush = () => {
    hash.update(names);
    hash.update(bytes.subarray(0, n * FIELDS * 8));
    names = '';
    n = 0;
  };
  for (const image of images) {
    const at = n * FIELDS;
    let problem = '';
    try {
      const stat = statSync(image.path, { throwIfNoEntry: false });
      if (stat) {
        numbers[at] = stat.isFile() ? 1 : 2;
        numbers[at + 1] = stat.size;
        numbers[at + 2] = stat.mtimeMs;
        numbers[at + 3] = stat.ctimeMs;
        numbers[at + 4] = stat.ino;
        numbers[at + 5] = stat.dev;
      } else problem = 'missing';
    } catch (error) {
      problem = `error ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
    }
    if (problem) numbers.fill(0, at, at + FIELDS);
    names += `${image.path}\0${image.label}\0${image.relPath}\0${problem}\n`;
    if (++n === CHUNK) flush();
  }
  flush();
  return hash.digest('hex');
}
