import { EMPTY, from, mergeMap, type OperatorFunction } from 'rxjs';
import { hashFile, UnusableFileError } from '../src/hash/hash-file.js';
import type { HashedImage } from '../src/pipeline/dataset.js';
import { defineTask } from '../src/pipeline/task.js';
import type { ImageFile } from '../src/scan/scan-image-dirs.js';
import { describeFileError } from '../src/util/file-errors.js';

/** Files hashed at once: enough to keep the disk busy without holding many files in memory. */
const CONCURRENT_READS = 16;

/**
 * Gives every image its content hash. The stat cache means an unchanged file is never read again;
 * unreadable or empty files are reported and dropped.
 */
export const hashTask = defineTask<ImageFile, HashedImage>({
  name: 'hash',
  inputs: ['image files', 'cache.files (stat cache)'],
  outputs: ['content hash per image', 'cache.files'],
  operator: (context): OperatorFunction<ImageFile, HashedImage> =>
    mergeMap(
      (image) =>
        from(
          hashFile(context.cache, image.path).then(
            (sha256): HashedImage => ({ ...image, sha256 }),
            (error: unknown) => {
              const reason = error instanceof UnusableFileError ? error.message : describeFileError(error);
              context.emit({ type: 'skipped', file: image.path, reason });
              return undefined;
            },
          ),
        ).pipe(mergeMap((hashed) => (hashed ? [hashed] : EMPTY))),
      CONCURRENT_READS,
    ),
});
