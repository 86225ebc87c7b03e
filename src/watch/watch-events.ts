import type { BuildEvent } from '../pipeline/build-events.js';
import type { BuildResult } from '../pipeline/build-result.js';
import type { ChangeBatch } from './change-batch.js';

/** What `retrain watch` reports: build events plus the watch loop's own. `--json` prints one per line. */
export type WatchEvent =
  | BuildEvent
  | { type: 'watching'; imageDirs: string[]; configFile?: string }
  | ({ type: 'change' } & ChangeBatch)
  | { type: 'config'; file: string }
  | { type: 'trained'; validationAccuracy: number | null; testAccuracy: number | null; testAccuracyDelta: number | null }
  | { type: 'exported'; outputDir: string }
  | ({ type: 'build' } & BuildResult)
  | { type: 'superseded'; reason: string }
  | { type: 'error'; message: string }
  | { type: 'stopped' };
