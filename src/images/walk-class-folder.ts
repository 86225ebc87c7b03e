import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isHiddenName, isImageFileName } from './image-extensions.js';
import { isInside } from './image-roots.js';

/** What one class folder holds, at any depth. */
export interface ClassFolderContents {
  /** Image files: absolute path, the class label given, and the path inside the class folder ('/'-separated). */
  images: Array<{ path: string; label: string; relPath: string }>;
  /** Other files (not an image format sharp reads), as paths inside the class folder. */
  others: string[];
  /** Folders not followed or not readable, one line each. */
  problems: string[];
}

/**
 * Lists the images of a class folder and of all its sub-folders (they belong to the class, as in Keras'
 * `image_dataset_from_directory`), following symbolic links to files and folders. A link to a folder that
 * is the real path of the folder itself or of one of its ancestors (a loop) is not followed, and a folder
 * the class already reached through another link is not listed twice; each is reported. Hidden names are
 * skipped. `visited` holds the real paths of folders this class has listed (shared by its folders).
 */
export async function walkClassFolder(dir: string, ancestorReals: readonly string[], visited: Set<string>, label = ''): Promise<ClassFolderContents> {
  const contents: ClassFolderContents = { images: [], others: [], problems: [] };
  let real: string;
  try {
    real = await fs.realpath(dir);
  } catch (error) {
    contents.problems.push(`${dir}: cannot open folder (${code(error)}), skipped`);
    return contents;
  }
  await walk(dir, '', real, [...ancestorReals], visited, contents, label);
  return contents;
}

async function walk(dir: string, rel: string, real: string, chain: string[], visited: Set<string>, out: ClassFolderContents, label: string): Promise<void> {
  const parent = chain.at(-1);
  if (chain.includes(real) || (parent !== undefined && isInside(parent, real))) {
    out.problems.push(`${dir}: symbolic link to ${real}, a folder that contains it (a loop); not followed`);
    return;
  }
  if (visited.has(real)) {
    out.problems.push(`${dir}: the same folder as ${real}, which this class already lists; not listed twice`);
    return;
  }
  visited.add(real);
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    out.problems.push(`${dir}: cannot list folder (${code(error)}), skipped`);
    return;
  }
  entries.sort((a, b) => compare(a.name, b.name));
  const inner = [...chain, real];
  // `dir` is normalised and a name holds no separator: concatenation is path.join without its cost per file.
  const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
  for (const entry of entries) {
    if (isHiddenName(entry.name)) continue;
    const full = prefix + entry.name;
    const relPath = rel === '' ? entry.name : `${rel}/${entry.name}`;
    let kind: 'dir' | 'file' | 'other' | 'broken' = entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
    let target = path.join(real, entry.name);
    if (entry.isSymbolicLink()) {
      try {
        const stats = await fs.stat(full);
        kind = stats.isDirectory() ? 'dir' : stats.isFile() ? 'file' : 'other';
        if (kind === 'dir') target = await fs.realpath(full);
      } catch {
        kind = 'broken';
      }
    }
    if (kind === 'dir') await walk(full, relPath, target, inner, visited, out, label);
    // A broken link with an image name stays an image: reading it reports the dangling link or the loop.
    else if (isImageFileName(entry.name) && kind !== 'other') out.images.push({ path: full, label, relPath });
    else out.others.push(relPath);
  }
}

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
