import fs from 'node:fs/promises';
import path from 'node:path';
import { listSome } from '../util/list-some.js';
import { plural } from '../util/plural.js';
import { IMAGE_EXTENSIONS, isHiddenName, isImageFileName } from './image-extensions.js';
import { distinctRoots } from './image-roots.js';
import { groupFoldersByLabel, type ClassFolder, type LabelStyle } from './labels.js';
import { ScannedImages, type ImageFile } from './scanned-images.js';
import { walkClassFolder } from './walk-class-folder.js';

export type { ImageFile } from './scanned-images.js';

export interface ScanResult {
  /** Labels in class-index order. */
  labels: string[];
  /** The images, as columns (label indices into `labels`), by label and then path. */
  images: ScannedImages;
  /** One line each; many files of one kind make one summary line. */
  warnings: string[];
  /** Image files that cannot be used at all (their names cannot even be opened). */
  skipped: Array<{ file: string; reason: string }>;
  /** The warnings about image folders named twice or inside another (dropped from the scan); also in `warnings`. */
  rootNotes?: string[];
}

export interface ScanOptions {
  /** How folder names become labels. Default `unicode`. */
  labels?: LabelStyle;
  /** Fewer classes with images than this is an error: 2 for training (the default), 1 for evaluating. */
  minClasses?: number;
  /** Say which classes have fewer than 20 images (advice for training). Default true. */
  warnFewImages?: boolean;
}

export class ScanError extends Error {
  override name = 'ScanError';
}

/** Classes with fewer images than this get a warning (the original's advice). */
export const FEW_IMAGES = 20;

/**
 * Lists the class folders of each image root (symbolic links followed) and the images in them at any depth
 * (sub-folders belong to their top-level class folder). Roots named twice or inside another root are
 * scanned once. Everything left out is said, in one summary line per kind: images directly in a root, files
 * that are no image format sharp reads, empty classes (dropped), classes under 20 images (kept). Fewer than
 * `minClasses` classes (2 for training; evaluating needs 1) is an error.
 */
export async function scanImageDirs(imageDirs: string[], options: ScanOptions = {}): Promise<ScanResult> {
  const minClasses = options.minClasses ?? 2;
  const warnings: string[] = [];
  const looseImages: string[] = [];
  const { roots, notes } = await distinctRoots(imageDirs.map((dir) => path.resolve(dir)));
  warnings.push(...notes);
  const folders: ClassFolder[] = [];
  const rootReal = new Map<string, string>();
  for (const root of roots) {
    let entries;
    try {
      entries = await fs.readdir(root, { withFileTypes: true });
    } catch (error) {
      throw new ScanError(rootReadError(root, error));
    }
    rootReal.set(root, await fs.realpath(root));
    const loose: string[] = [];
    for (const entry of entries.sort((a, b) => compare(a.name, b.name))) {
      if (isHiddenName(entry.name)) continue;
      const full = path.join(root, entry.name);
      let isDirectory = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        try {
          isDirectory = (await fs.stat(full)).isDirectory();
        } catch (error) {
          if (!isImageFileName(entry.name)) warnings.push(`${full}: symbolic link to nothing usable (${code(error)}), skipped`);
        }
      }
      if (isDirectory) folders.push({ name: entry.name, dir: full });
      else if (isImageFileName(entry.name)) loose.push(entry.name);
    }
    if (loose.length > 0) {
      const warning = `${plural(loose.length, 'image')} directly in ${root} ${loose.length === 1 ? 'is' : 'are'} in no class folder, ignored: ${listSome(loose)}; move them into a class folder`;
      warnings.push(warning);
      looseImages.push(warning);
    }
  }
  const { classes, unnamed } = groupFoldersByLabel(folders, options.labels);
  for (const folder of unnamed) warnings.push(`${folder.dir}: the folder name has no letter or digit, so no label; rename it (class skipped)`);
  const skipped: ScanResult['skipped'] = [];
  const labels: string[] = [];
  // Columns, filled class by class (a class's objects are garbage once added): a few bytes per image, not objects.
  const found = new ScannedImages(labels);
  const others: string[] = [];
  const empty: string[] = [];
  const small: string[] = [];
  for (const { label, folders: group } of classes) {
    const images: ImageFile[] = [];
    const visited = new Set<string>();
    for (const folder of group) {
      const contents = await walkClassFolder(folder.dir, [rootReal.get(path.dirname(folder.dir))!], visited, label);
      warnings.push(...contents.problems);
      for (const other of contents.others) others.push(`${folder.name}/${other}`);
      for (const image of contents.images) {
        // A name that is not valid UTF-8 comes back with U+FFFD in it and cannot be opened by that name.
        if (image.relPath.includes('\uFFFD')) skipped.push({ file: image.path, reason: 'file name is not valid UTF-8; rename the file' });
        else images.push(image);
      }
    }
    if (images.length === 0) {
      empty.push(group.map((f) => f.dir).join(' + '));
      continue;
    }
    if (images.length < FEW_IMAGES) small.push(`${label} (${images.length})`);
    labels.push(label);
    // Usually listed in path order already (one flat folder): checked in one pass instead of sorted.
    if (!inPathOrder(images)) images.sort((a, b) => compare(a.path, b.path));
    for (const image of images) found.add(image.path, image.relPath, labels.length - 1);
  }
  // What was left out of the class folders: said as warnings, and as the reason when too few classes remain.
  const leftOut = warnings.length;
  if (others.length > 0) {
    warnings.push(
      `${plural(others.length, 'file')} in class folders ${others.length === 1 ? 'is' : 'are'} not an image format this build reads, ignored: ` +
        `${listSome(others)} (it reads ${IMAGE_EXTENSIONS.join(' ')})`,
    );
  }
  if (empty.length > 0) {
    warnings.push(`${plural(empty.length, 'class folder')} with no images, skipped: ${listSome(empty)}`);
  }
  // Images left at the top of a root are the likeliest reason for too few classes (a flat folder of photos).
  const reasons = [...looseImages, ...warnings.slice(leftOut)];
  if (small.length > 0 && options.warnFewImages !== false) {
    warnings.push(
      `${plural(small.length, 'class')} with fewer than ${FEW_IMAGES} images (at least ${FEW_IMAGES} recommended): ${listSome(small, 10)}`,
    );
  }
  if (labels.length < minClasses) {
    throw new ScanError(
      `found ${plural(labels.length, 'class')} with images in ${imageDirs.join(', ')}; ` +
        `need at least ${minClasses} (one sub-folder of images per class)${reasons.length > 0 ? `; ${reasons.join('; ')}` : ''}`,
    );
  }
  return { labels, images: found, warnings, skipped, rootNotes: notes };
}

/** Why an image root cannot be listed, in one line that says what to do (not an errno alone). */
function rootReadError(root: string, error: unknown): string {
  switch (code(error)) {
    case 'ENOENT':
      return `${root}: cannot read image folder: it does not exist; check --image-dir (imageDir)`;
    case 'ENOTDIR':
      return `${root}: cannot read image folder: it is a file, not a folder; point --image-dir (imageDir) at a folder with one sub-folder of images per class`;
    case 'EACCES':
    case 'EPERM':
      return `${root}: cannot read image folder: permission denied; make it readable or choose another folder`;
    case 'ELOOP':
      return `${root}: cannot read image folder: a symbolic link loop; point --image-dir (imageDir) at the real folder`;
    default:
      return `${root}: cannot read image folder (${code(error)})`;
  }
}

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

function inPathOrder(images: ReadonlyArray<{ path: string }>): boolean {
  for (let i = 1; i < images.length; i++) if (images[i - 1]!.path > images[i]!.path) return false;
  return true;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
