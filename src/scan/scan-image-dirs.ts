import fs from 'node:fs/promises';
import path from 'node:path';
import { isImageFileName } from './image-extensions.js';
import { groupFoldersByLabel, type ClassFolder } from './labels.js';

/** One image found on disk, before its content is read. */
export interface ImageFile {
  /** Absolute path. */
  path: string;
  /** Class label (normalised folder name). */
  label: string;
  /** Path relative to its class folder: the name the split hashes. */
  relPath: string;
}

export interface ScanResult {
  /** Labels in class-index order. */
  labels: string[];
  images: ImageFile[];
  warnings: string[];
  /** Image files that cannot be used at all (their names cannot even be opened). */
  skipped: Array<{ file: string; reason: string }>;
}

export class ScanError extends Error {
  override name = 'ScanError';
}

/**
 * Lists the class folders of each image root and the images directly inside them (nested folders are not
 * part of their parent class, as in the original). Empty classes are dropped with a warning; classes under
 * 20 images are kept with a warning; fewer than `minClasses` (2 for training; evaluating needs 1) is an error.
 */
export async function scanImageDirs(imageDirs: string[], { minClasses = 2 } = {}): Promise<ScanResult> {
  const folders: ClassFolder[] = [];
  for (const root of imageDirs) {
    let entries;
    try {
      entries = await fs.readdir(root, { withFileTypes: true });
    } catch (error) {
      throw new ScanError(`${root}: cannot read image folder (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith('.')) {
        folders.push({ name: entry.name, dir: path.join(root, entry.name) });
      }
    }
  }
  const classes = groupFoldersByLabel(folders);
  const warnings: string[] = [];
  const skipped: ScanResult['skipped'] = [];
  const labels: string[] = [];
  const images: ImageFile[] = [];
  for (const { label, folders: group } of classes) {
    const found: ImageFile[] = [];
    for (const folder of group) {
      for (const name of await listImages(folder.dir, warnings)) {
        // A name that is not valid UTF-8 comes back with U+FFFD in it and cannot be opened by that name.
        if (name.includes('\uFFFD')) skipped.push({ file: path.join(folder.dir, name), reason: 'file name is not valid UTF-8; rename the file' });
        else found.push({ path: path.join(folder.dir, name), label, relPath: name });
      }
    }
    if (found.length === 0) {
      warnings.push(`${group.map((f) => f.dir).join(', ')}: no images found, class "${label}" skipped`);
      continue;
    }
    if (found.length < 20) {
      warnings.push(`class "${label}" has only ${found.length} images (at least 20 recommended)`);
    }
    labels.push(label);
    for (const image of found.sort((a, b) => compare(a.path, b.path))) images.push(image);
  }
  if (labels.length < minClasses) {
    throw new ScanError(
      `found ${labels.length} class${labels.length === 1 ? '' : 'es'} with images in ${imageDirs.join(', ')}; ` +
        `need at least ${minClasses} (one sub-folder of images per class)`,
    );
  }
  return { labels, images, warnings, skipped };
}

async function listImages(dir: string, warnings: string[]): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && isImageFileName(e.name))
      .map((e) => e.name)
      .sort(compare);
  } catch (error) {
    warnings.push(`${dir}: cannot list folder (${(error as NodeJS.ErrnoException).code ?? error}), skipped`);
    return [];
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
