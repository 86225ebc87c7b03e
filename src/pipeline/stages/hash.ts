import { mergeMap, range, tap, type OperatorFunction } from '../../util/rx.js';
import { hashFileFrom, UnusableFileError } from '../../images/hash-file.js';
import type { HashedRow } from '../dataset.js';
import { stageTask } from '../stage.js';
import { hashStage } from '../stage-declarations.js';
import type { ScannedImages } from '../../images/scanned-images.js';
import { fileListKey } from '../../store/keys.js';
import { describeFileError } from '../../util/file-errors.js';
import { plural } from '../../util/plural.js';

/**
 * Files are hashed in groups of GROUP, GROUPS at a time: enough reads in flight to keep the disk busy, few
 * enough to hold little in memory. Grouping also keeps RxJS's queue of waiting values short (it drains
 * with Array.shift, which made a scan of 100,000 files quadratic): what waits is a group's number.
 */
const GROUP = 32;
const GROUPS = 2;

/**
 * Gives every image of the scan its content hash. The stat cache means an unchanged file is never read again;
 * unreadable or empty files are reported and dropped. Up to date when no file had to be read. What it gives
 * per image is its scan row and hash, short-lived: nothing per image is kept here (the scan's columns are the
 * list of files).
 */
export const hashTask = stageTask(hashStage, (context): OperatorFunction<ScannedImages, HashedRow> => {
  const scans: ScannedImages[] = [];
  let files = 0;
  let read = 0;
  let skipped = 0;
  const hashOne = (images: ScannedImages, row: number): Promise<HashedRow | undefined> => {
    const file = images.path(row);
    return hashFileFrom(context.cache, file).then(
      (hashed) => {
        if (hashed.read && read++ === 0) context.events.start('reading changed and new files');
        return { images, row, sha256: hashed.sha256, size: hashed.size, mtimeMs: hashed.mtimeMs };
      },
      (error: unknown) => {
        const reason = error instanceof UnusableFileError ? error.message : describeFileError(error);
        context.emit({ type: 'skipped', file, reason, ...(error instanceof UnusableFileError ? {} : { transient: true }) });
        skipped++;
        return undefined;
      },
    );
  };
  const hashGroup = (images: ScannedImages, group: number): Promise<Array<HashedRow | undefined>> => {
    const rows: Array<Promise<HashedRow | undefined>> = [];
    for (let row = group * GROUP; row < Math.min(images.count, (group + 1) * GROUP); row++) rows.push(hashOne(images, row));
    return Promise.all(rows);
  };
  return (source) =>
    source.pipe(
      mergeMap((images) => {
        scans.push(images);
        files += images.count;
        return range(0, Math.ceil(images.count / GROUP)).pipe(mergeMap((group) => hashGroup(images, group), GROUPS));
      }),
      mergeMap((hashed) => hashed.filter((image): image is HashedRow => image !== undefined)),
      tap({
        complete: () => {
          context.record({ files: scans.length === 1 ? fileListKey(scans[0]!) : fileListKey(scans.flatMap((images) => [...images])) });
          // A skipped file (empty, unreadable) was neither read nor found unchanged.
          const unchanged = files - read - skipped;
          const andSkipped = skipped ? `, ${skipped} skipped` : '';
          if (read === 0) context.events.upToDate(`${plural(unchanged, 'file')} unchanged (size, time and inode as the stat cache holds them)${andSkipped}`);
          else context.events.done(`${read} read, ${unchanged} unchanged${andSkipped}`);
        },
      }),
    );
});
