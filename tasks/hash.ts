import { bufferCount, mergeMap, type OperatorFunction } from '../src/util/rx.js';
import { hashFile, UnusableFileError } from '../src/hash/hash-file.js';
import type { HashedImage } from '../src/pipeline/dataset.js';
import { defineTask } from '../src/pipeline/task.js';
import type { ImageFile } from '../src/scan/scan-image-dirs.js';
import { describeFileError } from '../src/util/file-errors.js';

/**
 * Files are hashed in groups of GROUP, GROUPS at a time: enough reads in flight to keep the disk busy, few
 * enough to hold little in memory. Grouping also keeps RxJS's queue of waiting values short (it drains
 * with Array.shift, which made a scan of 100,000 files quadratic).
 */
const GROUP = 32;
const GROUPS = 2;

/**
 * Gives every image its content hash. The stat cache means an unchanged file is never read again;
 * unreadable or empty files are reported and dropped.
 */
export const hashTask = defineTask<ImageFile, HashedImage>({
  name: 'hash',
  inputs: ['image files', 'cache.files (stat cache)'],
  outputs: ['content hash per image', 'cache.files'],
  operator: (context): OperatorFunction<ImageFile, HashedImage> => {
    const hashOne = (image: ImageFile): Promise<HashedImage | undefined> =>
      hashFile(context.cache, image.path).then(
        (sha256) => ({ ...image, sha256 }),
        (error: unknown) => {
          const reason = error instanceof UnusableFileError ? error.message : describeFileError(error);
          context.emit({ type: 'skipped', file: image.path, reason });
          return undefined;
        },
      );
    return (source) =>
      source.pipe(
        bufferCount(GROUP),
        mergeMap((group) => Promise.all(group.map(hashOne)), GROUPS),
        mergeMap((hashed) => hashed.filter((image): image is HashedImage => image !== undefined)),
      );
  },
});
