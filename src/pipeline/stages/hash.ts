import { bufferCount, mergeMap, tap, type OperatorFunction } from '../../util/rx.js';
import { hashFileFrom, UnusableFileError } from '../../images/hash-file.js';
import type { HashedImage } from '../dataset.js';
import { stageTask } from '../stage.js';
import { hashStage } from '../stage-declarations.js';
import type { ImageFile } from '../../images/scan-image-dirs.js';
import { fileListKey } from '../../store/keys.js';
import { describeFileError } from '../../util/file-errors.js';
import { plural } from '../../util/plural.js';

/**
 * Files are hashed in groups of GROUP, GROUPS at a time: enough reads in flight to keep the disk busy, few
 * enough to hold little in memory. Grouping also keeps RxJS's queue of waiting values short (it drains
 * with Array.shift, which made a scan of 100,000 files quadratic).
 */
const GROUP = 32;
const GROUPS = 2;

/**
 * Gives every image its content hash. The stat cache means an unchanged file is never read again;
 * unreadable or empty files are reported and dropped. Up to date when no file had to be read.
 */
export const hashTask = stageTask(hashStage, (context): OperatorFunction<ImageFile, HashedImage> => {
  const files: ImageFile[] = [];
  let read = 0;
  let skipped = 0;
  const hashOne = (image: ImageFile): Promise<HashedImage | undefined> => {
    files.push(image);
    return hashFileFrom(context.cache, image.path).then(
      (hashed) => {
        if (hashed.read && read++ === 0) context.events.start('reading changed and new files');
        return { ...image, sha256: hashed.sha256 };
      },
      (error: unknown) => {
        const reason = error instanceof UnusableFileError ? error.message : describeFileError(error);
        context.emit({ type: 'skipped', file: image.path, reason, ...(error instanceof UnusableFileError ? {} : { transient: true }) });
        skipped++;
        return undefined;
      },
    );
  };
  return (source) =>
    source.pipe(
      bufferCount(GROUP),
      mergeMap((group) => Promise.all(group.map(hashOne)), GROUPS),
      mergeMap((hashed) => hashed.filter((image): image is HashedImage => image !== undefined)),
      tap({
        complete: () => {
          context.record({ files: fileListKey(files) });
          // A skipped file (empty, unreadable) was neither read nor found unchanged.
          const unchanged = files.length - read - skipped;
          const andSkipped = skipped ? `, ${skipped} skipped` : '';
          if (read === 0) context.events.upToDate(`${plural(unchanged, 'file')} unchanged (size, time and inode as the stat cache holds them)${andSkipped}`);
          else context.events.done(`${read} read, ${unchanged} unchanged${andSkipped}`);
        },
      }),
    );
});
