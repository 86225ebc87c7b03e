/**
 * The original's label rule: lower-case, every run of characters outside [a-z0-9] becomes one space.
 * (retrain.py: `re.sub(r'[^a-z0-9]+', ' ', dir_name.lower())`.)
 */
export function labelFromFolderName(folderName: string): string {
  return folderName.toLowerCase().replace(/[^a-z0-9]+/g, ' ');
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
 * Groups class folders by label. Folders of the same name under different roots merge into one class;
 * two differently named folders that normalise to one label are refused (the original silently let the
 * second overwrite the first). Classes come out in sorted label order = class index order.
 */
export function groupFoldersByLabel(folders: ClassFolder[]): LabelledClass[] {
  const byLabel = new Map<string, ClassFolder[]>();
  for (const folder of folders) {
    const label = labelFromFolderName(folder.name);
    const group = byLabel.get(label) ?? [];
    const clash = group.find((other) => other.name !== folder.name);
    if (clash) {
      throw new LabelCollisionError(
        `class folders "${clash.dir}" and "${folder.dir}" both map to the label "${label}"; rename one of them`,
      );
    }
    group.push(folder);
    byLabel.set(label, group);
  }
  return [...byLabel.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, group]) => ({ label, folders: group }));
}
