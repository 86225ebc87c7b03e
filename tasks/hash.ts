import fs from 'node:fs/promises';
import { EMPTY, from, mergeMap, type Observable, type OperatorFunction } from 'rxjs';
import { sha256Hex } from '../src/hash/content-hash.js';
import type { BuildContext } from '../src/pipeline/build-context.js';
import type { HashedImage } from '../src/pipeline/dataset.js';
import { defineTask } from '../src/pipeline/task.js';
import type { ImageFile } from '../src/scan/scan-image-dirs.js';
import { describeFileError } from '../src/util/file-errors.js';

/** Files hashed at once: enough to keep the disk busy without holding many files in memory. */
const CONCURRENT_READS = 16;

/**
 * Gives every image its content hash. The stat cache (size, mtime, inode → hash) means an unchanged file
 * is never read again; unreadable or empty files are reported and dropped.
 */
export const hashTask = defineTask<ImageFile, HashedImage>({
  name: 'hash',
  inputs: ['image files', 'cache.files (stat cache)'],
  outputs: ['content hash per image', 'cache.files'],
  operator: (context): OperatorFunction<ImageFile, HashedImage> =>
    mergeMap((image) => hashImage(context, image), CONCURRENT_READS),
});

function hashImage(context: BuildContext, image: ImageFile): Observable<HashedImage> {
  return from(
    (async (): Promise<HashedImage | undefined> => {
      try {
        const stat = await fs.stat(image.path);
        if (!stat.isFile()) return skip(context, image, 'not a regular file');
        if (stat.size === 0) return skip(context, image, 'empty file (0 bytes)');
        const known = context.cache.getFileRecord(image.path);
        if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs && known.ino === stat.ino) {
          return { ...image, sha256: known.sha256 };
        }
        const sha256 = sha256Hex(await fs.readFile(image.path));
        void context.cache.putFileRecord(image.path, { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, sha256 });
        return { ...image, sha256 };
      } catch (error) {
        return skip(context, image, describeFileError(error));
      }
    })(),
  ).pipe(mergeMap((hashed) => (hashed ? [hashed] : EMPTY)));
}

function skip(context: BuildContext, image: ImageFile, reason: string): undefined {
  context.emit({ type: 'skipped', file: image.path, reason });
  return undefined;
}
