import path from 'node:path';
import { watch } from 'chokidar';
import { Observable } from '../util/rx.js';
import { isImageFileName } from '../scan/image-extensions.js';

/** One file-system event that can change a build's inputs. */
export type FileChange =
  | { kind: 'add' | 'change' | 'unlink'; path: string }
  | { kind: 'addDir' | 'unlinkDir'; path: string }
  | { kind: 'config'; path: string }
  | { kind: 'ready' };

export interface WatchFilesOptions {
  /** A file counts as written once its size has not changed for this long (half-copied files wait). */
  settleMs?: number;
}

/**
 * File events under the image folders (class folders and the images directly in them) and of the config
 * file, as an Observable: subscribing starts chokidar, unsubscribing closes it. Emits `ready` once the
 * initial scan is done. Writes are reported only once a file's size has settled.
 */
export function watchFiles(imageDirs: string[], configFile: string | undefined, options: WatchFilesOptions = {}): Observable<FileChange> {
  return new Observable<FileChange>((subscriber) => {
    const settle = options.settleMs ?? 250;
    const images = watch(imageDirs, {
      ignoreInitial: true,
      depth: 1,
      awaitWriteFinish: { stabilityThreshold: settle, pollInterval: Math.max(20, Math.floor(settle / 5)) },
      ignored: (file, stats) => {
        const depth = depthBelow(imageDirs, file);
        if (depth === undefined || depth === 0) return false;
        if (path.basename(file).startsWith('.')) return true;
        if (stats?.isFile() && (depth !== 2 || !isImageFileName(file))) return true;
        return depth > 2;
      },
    });
    images.on('all', (event, file) => {
      if (event === 'add' || event === 'change' || event === 'unlink') {
        if (depthBelow(imageDirs, file) === 2 && isImageFileName(file)) subscriber.next({ kind: event, path: file });
      } else if (event === 'addDir' || event === 'unlinkDir') {
        if (depthBelow(imageDirs, file) === 1) subscriber.next({ kind: event, path: file });
      }
    });
    images.on('error', (error) => subscriber.error(error));
    const config = configFile ? watch(configFile, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 20 } }) : undefined;
    config?.on('all', (event) => {
      if (event === 'add' || event === 'change') subscriber.next({ kind: 'config', path: configFile! });
    });
    let ready = config ? 2 : 1;
    const onReady = () => {
      if (--ready === 0) subscriber.next({ kind: 'ready' });
    };
    images.on('ready', onReady);
    config?.on('ready', onReady);
    return () => {
      void images.close();
      void config?.close();
    };
  });
}

/** 0 for an image root itself, 1 for a class folder, 2 for a file in a class folder; undefined outside. */
function depthBelow(roots: string[], file: string): number | undefined {
  for (const root of roots) {
    const relative = path.relative(root, file);
    if (relative === '') return 0;
    if (!relative.startsWith('..') && !path.isAbsolute(relative)) return relative.split(path.sep).length;
  }
  return undefined;
}
