import type { RecordRows } from '../../src/pipeline/stage-record.js';

/** An array of images as the stage record's rows (the build hands it its data set's columns). */
export function recordRowsOf(images: ReadonlyArray<{ path: string; sha256: string }>): RecordRows {
  return { count: images.length, path: (i) => images[i]!.path, sha256: (i) => images[i]!.sha256 };
}
