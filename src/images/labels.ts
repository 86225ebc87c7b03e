import path from 'node:path';

/**
 * How a class folder's name becomes its label:
 * - `unicode` (default): the original's rule for every script. The name is NFC-normalised and lower-cased;
 *   every run of ASCII characters other than letters and digits, and of Unicode spaces, punctuation and
 *   control characters, becomes one space; the ends are trimmed. Letters, digits, marks and symbols of every
 *   script are kept: `Abeille_été` → `abeille été`, `蚂蚁` → `蚂蚁`. ASCII names get the original's label
 *   (`Sun_Flowers` → `sun flowers`) except that leading and trailing separators are trimmed.
 * - `original`: retrain.py's rule exactly, `re.sub(r'[^a-z0-9]+', ' ', dir_name.lower())`, which turns every
 *   non-ASCII character into a space (`Abeille_été` → `abeille t `).
 */
export type LabelStyle = 'unicode' | 'original';

const SEPARATORS = /[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\p{Z}\p{P}\p{C}]+/gu;

export function labelFromFolderName(folderName: string, style: LabelStyle = 'unicode'): string {
  if (style === 'original') return folderName.toLowerCase().replace(/[^a-z0-9]+/g, ' ');
  return folderName.normalize('NFC').toLowerCase().normalize('NFC').replace(SEPARATORS, ' ').trim();
}

export interface ClassFolder {
  /** Folder name as on disk. */
  name: string;
  /** Absolute path. */
  dir: string;
}

export interface LabelledClass {
  label: string;
  folders: ClassFolder[];
}

export class LabelCollisionError extends Error {
  override name = 'LabelCollisionError';
}

/**
 * Groups class folders by label. Folders of the same name (compared NFC-normalised) under different roots
 * merge into one class; two differently named folders that normalise to one label are refused (the original
 * silently let the second overwrite the first). Folders whose name gives an empty label (only punctuation)
 * are returned in `unnamed`. Classes come out in sorted label order = class index order.
 */
export function groupFoldersByLabel(folders: ClassFolder[], style: LabelStyle = 'unicode'): { classes: LabelledClass[]; unnamed: ClassFolder[] } {
  const byLabel = new Map<string, ClassFolder[]>();
  const unnamed: ClassFolder[] = [];
  for (const folder of folders) {
    const label = labelFromFolderName(folder.name, style);
    if (label === '') {
      unnamed.push(folder);
      continue;
    }
    const group = byLabel.get(label) ?? [];
    // Two folders in one parent are two classes even when their names are equal once NFC-normalised
    // (`été` typed NFC and NFD): merging them would silently mix two classes under one label.
    const clash = group.find((other) => other.name.normalize('NFC') !== folder.name.normalize('NFC') || path.dirname(other.dir) === path.dirname(folder.dir));
    if (clash) {
      const forms = clash.name !== folder.name && clash.name.normalize('NFC') === folder.name.normalize('NFC') ? ' (the same name in two Unicode normalisations, NFC and NFD)' : '';
      throw new LabelCollisionError(
        `class folders "${clash.dir}" and "${folder.dir}"${forms} both map to the label "${label}"; rename one of them`,
      );
    }
    group.push(folder);
    byLabel.set(label, group);
  }
  const classes = [...byLabel.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, group]) => ({ label, folders: group }));
  return { classes, unnamed };
}
