import fs from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { Observable } from '../util/rx.js';
import { isHiddenName, isImageFileName } from '../images/image-extensions.js';
import { isInside } from '../images/image-roots.js';

/** One file-system event that can change a build's inputs. */
export type FileChange =
  | { kind: 'add' | 'change' | 'unlink'; path: string }
  | { kind: 'addDir' | 'unlinkDir'; path: string }
  | { kind: 'config'; path: string }
  /** The config file was deleted (or cannot be seen any more). */
  | { kind: 'config-gone'; path: string }
  /** An image root vanished, or appeared again (recreated, replaced, or created after the start). */
  | { kind: 'root-gone' | 'root-back'; path: string }
  /** The file watcher reported an error; watching goes on. */
  | { kind: 'error'; message: string }
  | { kind: 'ready' };

export interface WatchFilesOptions {
  /** A file counts as written once its size has not changed for this long (half-copied files wait). */
  settleMs?: number;
  /** How often the image roots and the config file are checked for having vanished or been replaced. */
  pollMs?: number;
}

/** Deepest sub-folder watched below a class folder (loops are cut earlier; this bounds everything else). */
const MAX_DEPTH = 32;

/**
 * File events under the image folders (class folders and the images in them at any depth, symbolic links
 * followed but never round a loop) and of the config file, as an Observable: subscribing starts chokidar,
 * unsubscribing closes it. Emits `ready` once the initial scan is done. Writes are reported only once a
 * file's size has settled.
 *
 * chokidar stops seeing a folder that is deleted and created again (`rm -rf d; cp -a backup d`), or replaced
 * by a rename, so each root and the config file are also checked every `pollMs` (one stat each): a root
 * that vanishes is reported (`root-gone`) and, when it is back, reported again and watched afresh
 * (`root-back`); a deleted config file is reported (`config-gone`) and read again when it reappears. An
 * error of the watcher is reported as an event and never ends the stream.
 */
export function watchFiles(imageDirs: string[], configFile: string | undefined, options: WatchFilesOptions = {}): Observable<FileChange> {
  return new Observable<FileChange>((subscriber) => {
    const settle = options.settleMs ?? 250;
    const awaitWriteFinish = { stabilityThreshold: settle, pollInterval: Math.max(20, Math.floor(settle / 5)) };
    let pending = 0;
    let announced = false;
    const onReady = () => {
      if (--pending === 0 && !announced) {
        announced = true;
        subscriber.next({ kind: 'ready' });
      }
    };
    const onError = (error: unknown) => subscriber.next({ kind: 'error', message: (error as Error)?.message ?? String(error) });

    const startRoot = (root: string, initial: boolean): FSWatcher => {
      const watcher = watch(root, {
        ignoreInitial: true,
        depth: MAX_DEPTH,
        awaitWriteFinish,
        ignored: (file, stats) => ignoredUnder(root, file, stats),
      });
      watcher.on('all', (event, file) => {
        const depth = depthBelow(root, file);
        if (event === 'add' || event === 'change' || event === 'unlink') {
          if (depth !== undefined && depth >= 2 && isImageFileName(file)) subscriber.next({ kind: event, path: file });
        } else if (event === 'addDir' || event === 'unlinkDir') {
          if (depth !== undefined && depth >= 1) subscriber.next({ kind: event, path: file });
        }
      });
      watcher.on('error', onError);
      if (initial) {
        pending++;
        watcher.on('ready', onReady);
      }
      return watcher;
    };
    const startConfig = (initial: boolean): FSWatcher => {
      const watcher = watch(configFile!, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 20 } });
      watcher.on('all', (event) => {
        if (event === 'add' || event === 'change') subscriber.next({ kind: 'config', path: configFile! });
      });
      watcher.on('error', onError);
      if (initial) {
        pending++;
        watcher.on('ready', onReady);
      }
      return watcher;
    };

    const roots = [...new Set(imageDirs)].map((dir) => ({ dir, identity: identityOf(dir), watcher: undefined as FSWatcher | undefined }));
    const config = configFile ? { identity: identityOf(configFile), watcher: undefined as FSWatcher | undefined } : undefined;
    pending++; // held until every initial watcher is set up
    for (const root of roots) {
      if (root.identity) root.watcher = startRoot(root.dir, true);
      else subscriber.next({ kind: 'root-gone', path: root.dir });
    }
    if (config) config.watcher = startConfig(true);
    onReady();

    let checking = false;
    const timer = setInterval(() => {
      if (checking) return;
      checking = true;
      void (async () => {
        for (const root of roots) {
          const now = await identityOfAsync(root.dir);
          if (now === root.identity) continue;
          void root.watcher?.close();
          root.watcher = undefined;
          if (now) root.watcher = startRoot(root.dir, false);
          subscriber.next({ kind: now ? 'root-back' : 'root-gone', path: root.dir });
          root.identity = now;
        }
        if (config) {
          const now = await identityOfAsync(configFile!);
          if (now !== config.identity) {
            if (now && !config.identity) {
              void config.watcher?.close();
              config.watcher = startConfig(false);
            }
            subscriber.next(now ? { kind: 'config', path: configFile! } : { kind: 'config-gone', path: configFile! });
            config.identity = now;
          }
        }
      })()
        .catch(onError)
        .finally(() => (checking = false));
    }, options.pollMs ?? 500);
    timer.unref();

    return () => {
      clearInterval(timer);
      for (const root of roots) void root.watcher?.close();
      void config?.watcher?.close();
    };
  });
}

/**
 * What chokidar leaves out under `root`: hidden names, files directly in the root, files that are not
 * images, and folders that would lead round a loop (a symbolic link to the folder itself, to one of its
 * ancestors, or to a folder already on its path).
 */
function ignoredUnder(root: string, file: string, stats?: fs.Stats): boolean {
  const depth = depthBelow(root, file);
  if (depth === undefined || depth === 0) return false;
  if (isHiddenName(path.basename(file))) return true;
  const info = stats ?? statOrUndefined(file);
  if (info?.isFile()) return depth === 1 || !isImageFileName(file);
  if (info?.isDirectory()) return leadsRoundALoop(root, file);
  return false;
}

function leadsRoundALoop(root: string, dir: string): boolean {
  try {
    const real = fs.realpathSync(dir);
    const parentReal = fs.realpathSync(path.dirname(dir));
    if (real === parentReal || isInside(parentReal, real)) return true;
    for (let ancestor = path.dirname(dir); ; ancestor = path.dirname(ancestor)) {
      if (fs.realpathSync(ancestor) === real) return true;
      if (ancestor === root || ancestor === path.dirname(ancestor)) return false;
    }
  } catch {
    return false;
  }
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/** Device and inode of what `file` names now (following links), or null when it is not there. */
function identityOf(file: string): string | null {
  const stats = statOrUndefined(file);
  return stats ? `${stats.dev}:${stats.ino}` : null;
}

async function identityOfAsync(file: string): Promise<string | null> {
  try {
    const stats = await fs.promises.stat(file);
    return `${stats.dev}:${stats.ino}`;
  } catch {
    return null;
  }
}

/** 0 for the root itself, 1 for a class folder (or a file directly in the root), 2 and more below. */
function depthBelow(root: string, file: string): number | undefined {
  const relative = path.relative(root, file);
  if (relative === '') return 0;
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep).length;
}
