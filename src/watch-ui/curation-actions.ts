import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** A request the page may not make: 403 (outside the image folders) or 400 (malformed). */
export class CurationError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 | 409,
  ) {
    super(message);
  }
}

/**
 * The image folder root and class folder of `file`, or a CurationError: the real path (symlinks resolved) must
 * be a file directly inside a class folder of one of `imageDirs`, as the scan sees it. `..`, absolute paths
 * elsewhere and links out of the folders are all refused.
 */
export async function locateImage(imageDirs: readonly string[], file: string): Promise<{ root: string; label: string; real: string }> {
  if (typeof file !== 'string' || file.length === 0 || file.includes('\0')) throw new CurationError('path: expected a file name', 400);
  let real: string;
  try {
    real = await fs.realpath(path.resolve(file));
  } catch {
    throw new CurationError(`${file}: no such file`, 404);
  }
  for (const dir of imageDirs) {
    const root = await fs.realpath(dir).catch(() => undefined);
    if (!root) continue;
    const relative = path.relative(root, real);
    const parts = relative.split(path.sep);
    if (!relative.startsWith('..') && !path.isAbsolute(relative) && parts.length === 2) return { root, label: parts[0]!, real };
  }
  throw new CurationError(`${file}: not an image inside the watched image folders`, 403);
}

/** A class folder name: one path component, not hidden. */
function checkLabel(label: unknown): string {
  if (typeof label !== 'string' || !/^[^/\\\0]+$/.test(label) || label.startsWith('.') || label === '..') {
    throw new CurationError('label: expected the name of a class folder', 400);
  }
  return label;
}

/** Moves an image to the class folder `label` of the same image folder (created if missing). Never overwrites. */
export async function moveImage(imageDirs: readonly string[], file: string, label: unknown): Promise<string> {
  const target = checkLabel(label);
  const { root, real } = await locateImage(imageDirs, file);
  const destination = path.join(root, target, path.basename(real));
  await fs.mkdir(path.dirname(destination), { recursive: true });
  await renameNoClobber(real, destination);
  return destination;
}

/**
 * "Removes" an image: moves it to `<image folder>.retrain-trash/<class>/` beside the image folder, never
 * deleting it. Never overwrites: a name already in the trash gets a numbered suffix.
 */
export async function trashImage(imageDirs: readonly string[], file: string): Promise<string> {
  const { root, label, real } = await locateImage(imageDirs, file);
  const trash = path.join(path.dirname(root), `${path.basename(root)}.retrain-trash`, label);
  await fs.mkdir(trash, { recursive: true });
  const { name, ext } = path.parse(real);
  for (let n = 0; ; n++) {
    const destination = path.join(trash, n === 0 ? `${name}${ext}` : `${name}.${n}${ext}`);
    try {
      await renameNoClobber(real, destination);
      return destination;
    } catch (error) {
      if (!(error instanceof CurationError && error.status === 409)) throw error;
    }
  }
}

async function renameNoClobber(from: string, to: string): Promise<void> {
  // Link + unlink is an atomic "rename unless the target exists" on one file system.
  try {
    await fs.link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CurationError(`${to}: already exists`, 409);
    if (code !== 'EXDEV' && code !== 'EPERM') throw error;
    await fs.copyFile(from, to, constants.COPYFILE_EXCL);
  }
  await fs.unlink(from);
}
