import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isHiddenName, isImageFileName } from '../../images/image-extensions.js';
import { distinctRoots, isInside } from '../../images/image-roots.js';
import { labelFromFolderName, type LabelStyle } from '../../images/labels.js';

/** A request the page may not make: 403 (outside the image folders), 400 (malformed), 404 (gone), 409 (conflict). */
export class CurationError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 | 409,
  ) {
    super(message);
  }
}

/** What the page may touch: the image folders of the current config, and how their folder names become labels. */
export interface CurationScope {
  imageDirs: readonly string[];
  labels?: LabelStyle;
}

/** An image the page may move: the real image root, its class folder, where it is inside it, the entry itself. */
export interface LocatedImage {
  /** Real path of the image root holding it. */
  root: string;
  /** Name of its top-level class folder (nested images belong to it, as in the scan). */
  classFolder: string;
  /** Folders between the class folder and the file ('' when directly inside). */
  inner: string;
  /** The directory entry (real folder + file name; a symbolic link stays a link). */
  entry: string;
  /** The file's content (links followed): what the thumbnail shows. */
  real: string;
}

/**
 * Where `file` is, or a CurationError. Its folder (links followed) must be a class folder of one of the image
 * roots, or a folder at any depth below one, as the scan sees it (roots inside another root belong to the outer
 * one); the name must be an image file name, not hidden; a symbolic link must point inside the image roots.
 * `..`, absolute paths elsewhere and links out of the folders are all refused.
 */
export async function locateImage(scope: CurationScope, file: string): Promise<LocatedImage> {
  if (typeof file !== 'string' || file.length === 0 || file.includes('\0')) throw new CurationError('path: expected a file name', 400);
  const absolute = path.resolve(file);
  const name = path.basename(absolute);
  const roots = await realRoots(scope.imageDirs);
  const gone = () => new CurationError(`${file}: no such file (moved or deleted since the page showed it; the page updates after the next build)`, 404);
  const outside = () => new CurationError(`${file}: not an image inside the watched image folders`, 403);
  let folder: string;
  try {
    folder = await fs.realpath(path.dirname(absolute));
  } catch {
    throw gone();
  }
  const root = roots.find((r) => isInside(folder, r));
  if (!root || isHiddenName(name) || !isImageFileName(name)) throw outside();
  const [classFolder, ...inner] = path.relative(root, folder).split(path.sep);
  if (!classFolder || isHiddenName(classFolder) || inner.some(isHiddenName)) throw outside();
  const entry = path.join(folder, name);
  const stats = await fs.lstat(entry).catch(() => undefined);
  if (!stats) throw gone();
  let real = entry;
  if (stats.isSymbolicLink()) {
    real = await fs.realpath(entry).catch(() => {
      throw outside();
    });
    if (!roots.some((r) => isInside(real, r))) throw outside();
  }
  if (!(await fs.stat(real)).isFile()) throw outside();
  return { root, classFolder, inner: inner.join(path.sep), entry, real };
}

/** The real paths of the image roots the scan reads (a root inside another is part of the outer one). */
async function realRoots(imageDirs: readonly string[]): Promise<string[]> {
  const { roots } = await distinctRoots(imageDirs);
  const real = await Promise.all(roots.map((dir) => fs.realpath(dir).catch(() => undefined)));
  return real.filter((dir): dir is string => dir !== undefined);
}

/** A class name from the page: one path component, not hidden, with a label. */
function checkLabel(label: unknown, style: LabelStyle): string {
  if (typeof label !== 'string' || !/^[^/\\\0]+$/.test(label) || label.startsWith('.') || label === '..' || labelFromFolderName(label, style) === '') {
    throw new CurationError('label: expected the name of a class', 400);
  }
  return label;
}

/**
 * The class folder in `root` for `label` (a label as the page shows it, or a folder name): the folder of this root
 * whose name gives that label (`Abeille_été` for `abeille été`); else the folder name another root uses for it
 * (folders of one name merge across roots); else a new folder named as given. Never a second folder of one label
 * in one root, which the scan would refuse.
 */
async function classFolderFor(scope: CurationScope, root: string, label: string): Promise<string> {
  const style = scope.labels ?? 'unicode';
  const wanted = labelFromFolderName(label, style);
  const roots = [root, ...(await realRoots(scope.imageDirs)).filter((r) => r !== root)];
  for (const dir of roots) {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    const names = entries
      .filter((e) => !isHiddenName(e.name) && (e.isDirectory() || e.isSymbolicLink()))
      .map((e) => e.name)
      .sort();
    const isFolder = (name: string) => fs.stat(path.join(dir, name)).then((stats) => stats.isDirectory(), () => false);
    for (const name of names) if (labelFromFolderName(name, style) === wanted && (await isFolder(name))) return name;
  }
  return label;
}

// One action at a time: a double click sends two requests for one file, and both must not succeed.
let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(action: () => Promise<T>): Promise<T> {
  const next = queue.then(action, action);
  queue = next.catch(() => undefined);
  return next;
}

/**
 * Moves an image to the class folder of `label` in the same image root (created if missing), directly inside it.
 * Never overwrites: a different file of the same name there makes the moved one `name.1.ext` (the next free
 * number); the same content already there is refused (409: remove this copy instead).
 */
export function moveImage(scope: CurationScope, file: string, label: unknown): Promise<string> {
  return oneAtATime(async () => {
    const target = checkLabel(label, scope.labels ?? 'unicode');
    const image = await locateImage(scope, file);
    const folder = await classFolderFor(scope, image.root, target);
    if (folder === image.classFolder && image.inner === '') throw new CurationError(`${file}: already in class "${target}"`, 409);
    const destination = path.join(image.root, folder);
    await makeFolder(destination, 'the class folder');
    // A class folder that is a link out of the image folders is read by the scan, but not written by the page.
    if (!isInside(await fs.realpath(destination), image.root)) {
      throw new CurationError(`${destination}: the class folder links out of the image folders; move the file by hand`, 403);
    }
    const { name, ext } = path.parse(image.entry);
    for (let n = 0; ; n++) {
      const to = path.join(destination, n === 0 ? `${name}${ext}` : `${name}.${n}${ext}`);
      if (await sameContent(image.real, to)) {
        throw new CurationError(`${to} already holds the same image; remove this copy (${file}) instead`, 409);
      }
      if (await renameNoClobber(image, to, file)) return to;
    }
  });
}

/**
 * "Removes" an image: moves it to `<image root>.retrain-trash/<class folder>/<inner folders>/` beside the image
 * root, never deleting it. Never overwrites: a name already in the trash gets the next free number (`x.1.jpg`).
 */
export function trashImage(scope: CurationScope, file: string): Promise<string> {
  return oneAtATime(async () => {
    const image = await locateImage(scope, file);
    const trashRoot = path.join(path.dirname(image.root), `${path.basename(image.root)}.retrain-trash`);
    const trash = path.join(trashRoot, image.classFolder, image.inner);
    await makeFolder(trash, 'the trash folder');
    const { name, ext } = path.parse(image.entry);
    for (let n = 0; ; n++) {
      const to = path.join(trash, n === 0 ? `${name}${ext}` : `${name}.${n}${ext}`);
      if (await renameNoClobber(image, to, file)) return to;
    }
  });
}

/** mkdir -p, or a 409 naming the file in the way. */
async function makeFolder(folder: string, what: string): Promise<void> {
  try {
    await fs.mkdir(folder, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new CurationError(`${folder}: cannot make ${what}: a file is in the way; rename it`, 409);
    throw error;
  }
}

async function sameContent(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([fs.readFile(a), fs.readFile(b).catch(() => undefined)]);
  return y !== undefined && x.equals(y);
}

/**
 * Moves the image's entry to `to` unless `to` exists (then false). A symbolic link is made anew at `to`, pointing
 * at the same file (a relative link moved as it is would point elsewhere).
 */
async function renameNoClobber(image: LocatedImage, to: string, shown: string): Promise<boolean> {
  const from = image.entry;
  // Link + unlink is an atomic "rename unless the target exists" on one file system.
  try {
    if (from !== image.real) await fs.symlink(path.relative(path.dirname(to), image.real), to);
    else await fs.link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'ENOENT' && !(await exists(from))) throw new CurationError(`${shown}: no such file (moved or deleted since the page showed it)`, 404);
    if (code !== 'EXDEV' && code !== 'EPERM') throw error;
    try {
      await fs.copyFile(from, to, constants.COPYFILE_EXCL);
    } catch (copyError) {
      if ((copyError as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw copyError;
    }
  }
  try {
    await fs.unlink(from);
  } catch (error) {
    // Gone meanwhile (moved by someone else): take back the copy, so the image is in one place only.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await fs.unlink(to).catch(() => undefined);
    throw new CurationError(`${shown}: no such file (moved or deleted since the page showed it)`, 404);
  }
  return true;
}

async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false,
  );
}
