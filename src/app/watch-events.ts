import type { BuildEvent } from '../pipeline/build-events.js';
import type { BuildResult } from '../pipeline/build-result.js';
import type { StageStatus } from '../pipeline/stage-status.js';
import type { ChangeBatch } from './change-batch.js';

/** What `retrain watch` reports: build events plus the watch loop's own. `--json` prints one per line. */
export type WatchEvent =
  | BuildEvent
  | { type: 'watching'; imageDirs: string[]; configFile?: string }
  | ({ type: 'change' } & ChangeBatch)
  | { type: 'config'; file: string }
  /** The config file was deleted: the previous config stays in use until a file is there again. */
  | { type: 'config-gone'; file: string }
  /** An image root vanished (no build until it is back; the last model stays) or is back and watched again. */
  | { type: 'image-folder'; path: string; state: 'gone' | 'back' }
  | { type: 'trained'; validationAccuracy: number | null; testAccuracy: number | null; testAccuracyDelta: number | null }
  | { type: 'exported'; outputDir: string }
  /** Before a build: the stale stages and why, the same explanation as `retrain status` (what changed). */
  | { type: 'stale'; stages: StageStatus[] }
  | ({ type: 'build' } & BuildResult)
  | { type: 'superseded'; reason: string }
  | { type: 'error'; message: string }
  | { type: 'stopped' };
