import { defer, mergeMap, tap, type OperatorFunction } from '../../util/rx.js';
import { stageTask } from '../stage.js';
import { scanStage } from '../stage-declarations.js';
import { scanImageDirs, type ScanResult } from '../../images/scan-image-dirs.js';
import { fileListKey } from '../../store/keys.js';

/** Lists the classes and their images under every image folder of the config (names only: it always runs). */
export const scanTask = stageTask(scanStage, (context): OperatorFunction<void, ScanResult> =>
  mergeMap(() =>
    defer(() => {
      context.events.start();
      // Scanned a moment ago by the up-to-date check (same folders and labels setting), or now. Taken out of
      // the context, which lives as long as the build: its object per image is garbage once the files are hashed.
      const scanned = context.scanned;
      context.scanned = undefined;
      return scanned ? Promise.resolve(scanned) : scanImageDirs(context.inputs.imageDirs, { labels: context.inputs.labels });
    }).pipe(
      tap((scan) => {
        for (const message of scan.warnings) context.emit({ type: 'warning', message });
        for (const { file, reason } of scan.skipped) context.emit({ type: 'skipped', file, reason });
        context.emit({ type: 'scanned', images: scan.images.count, labels: scan.labels });
        context.record({ files: fileListKey(scan.images) });
        context.events.done(`${scan.images.count} images in ${scan.labels.length} classes`);
      }),
    ),
  ),
);
