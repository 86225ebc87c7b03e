import { buffer, debounceTime, filter, map, share, type OperatorFunction } from '../util/rx.js';
import type { FileChange } from './file-changes.js';

/** What changed during one burst of file events, path by path, with add-then-delete cancelled out. */
export interface ChangeBatch {
  added: string[];
  changed: string[];
  removed: string[];
  /** Class folders that appeared or disappeared. */
  folders: string[];
  /** The config file changed (or appeared again). */
  config: boolean;
  /** The config file was deleted (and is still gone at the end of the burst). */
  configGone: boolean;
  /** Image roots that vanished and are still gone at the end of the burst. */
  rootsGone: string[];
  /** Image roots that came back (recreated or replaced) and are watched afresh. */
  rootsBack: string[];
  /** Errors the file watcher reported (watching goes on). */
  errors: string[];
}

/**
 * Gathers file events into one batch per burst: a batch closes once no event has come for `quietMs`,
 * so a `cp -r` of a thousand files is one rebuild, not a thousand.
 */
export function batchChanges(quietMs: number): OperatorFunction<FileChange, ChangeBatch> {
  return (source) => {
    const events = source.pipe(
      filter((change) => change.kind !== 'ready'),
      share(),
    );
    return events.pipe(
      buffer(events.pipe(debounceTime(quietMs))),
      map(summarise),
      filter(
        (batch) =>
          batch.config ||
          batch.configGone ||
          batch.folders.length + batch.added.length + batch.changed.length + batch.removed.length > 0 ||
          batch.rootsGone.length + batch.rootsBack.length + batch.errors.length > 0,
      ),
    );
  };
}

/** The net effect of a list of events, per path. Pure. */
export function summarise(changes: readonly FileChange[]): ChangeBatch {
  const net = new Map<string, 'added' | 'changed' | 'removed' | 'none'>();
  const folders = new Set<string>();
  const roots = new Map<string, 'gone' | 'back'>();
  const errors: string[] = [];
  let config = false;
  let configGone = false;
  for (const change of changes) {
    if (change.kind === 'ready') continue;
    if (change.kind === 'error') {
      errors.push(change.message);
      continue;
    }
    if (change.kind === 'root-gone' || change.kind === 'root-back') {
      roots.set(change.path, change.kind === 'root-gone' ? 'gone' : 'back');
      continue;
    }
    if (change.kind === 'config' || change.kind === 'config-gone') {
      config = change.kind === 'config';
      configGone = !config;
      continue;
    }
    if (change.kind === 'addDir' || change.kind === 'unlinkDir') {
      folders.add(change.path);
      continue;
    }
    const before = net.get(change.path);
    if (change.kind === 'add') net.set(change.path, before === 'removed' ? 'changed' : before === 'none' || before === undefined ? 'added' : before);
    else if (change.kind === 'change') net.set(change.path, before === 'added' ? 'added' : 'changed');
    else net.set(change.path, before === 'added' ? 'none' : 'removed');
  }
  const pick = (state: string) => [...net].filter(([, s]) => s === state).map(([p]) => p).sort();
  const rootsIn = (state: string) => [...roots].filter(([, s]) => s === state).map(([p]) => p).sort();
  return {
    added: pick('added'),
    changed: pick('changed'),
    removed: pick('removed'),
    folders: [...folders].sort(),
    config,
    configGone,
    rootsGone: rootsIn('gone'),
    rootsBack: rootsIn('back'),
    errors,
  };
}
