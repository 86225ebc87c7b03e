import { defer, mergeMap, tap, type OperatorFunction } from '../src/util/rx.js';
import { defineTask } from '../src/pipeline/task.js';
import { scanImageDirs, type ScanResult } from '../src/scan/scan-image-dirs.js';

/** Lists the classes and their images under every image folder of the config. */
export const scanTask = defineTask<void, ScanResult>({
  name: 'scan',
  inputs: ['config.imageDirs', 'config.labels', 'image folders (names only)'],
  outputs: ['labels', 'image files'],
  operator: (context): OperatorFunction<void, ScanResult> =>
    mergeMap(() =>
      defer(() => scanImageDirs(context.config.imageDirs, { labels: context.config.labels })).pipe(
        tap((scan) => {
          for (const message of scan.warnings) context.emit({ type: 'warning', message });
          for (const { file, reason } of scan.skipped) context.emit({ type: 'skipped', file, reason });
          context.emit({ type: 'scanned', images: scan.images.length, labels: scan.labels });
        }),
      ),
    ),
});
