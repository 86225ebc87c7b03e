import type { WatchEvent } from './watch-events.js';

export interface WatchOptions {
  /** The config file (re-read when it changes); default: `retrain.config.ts` (or .mts/.js/.mjs) in `cwd`. */
  configFile?: string;
  /** The folder a default config file is looked for in. */
  cwd: string;
  /** Every event of the watch loop and of its builds (the same objects `retrain watch --json` prints). */
  onEvent?: (event: WatchEvent) => void;
  /** A burst of file events ends after this many quiet milliseconds (default 300). */
  quietMs?: number;
}

export interface Watcher {
  /** Stops watching; a running build stops at its next stage boundary; the cache is flushed and closed. */
  stop(): Promise<void>;
}

/**
 * `retrain watch` as a library call: builds, then keeps the exported model up to date as images and the
 * config file change, until `stop()`. Resolves once the first build has finished (its outcome arrives as a
 * `build` or `error` event); a config that cannot be read rejects.
 */
export async function watch(options: WatchOptions): Promise<Watcher> {
  // Loaded on call: a config file imports this package, and only watch needs the file watcher.
  const { WatchSession } = await import('./watch-session.js');
  const session = new WatchSession({
    argv: options.configFile === undefined ? {} : { config: options.configFile },
    cwd: options.cwd,
    onEvent: options.onEvent ?? (() => {}),
    quietMs: options.quietMs,
  });
  await session.start();
  return { stop: () => session.stop() };
}
