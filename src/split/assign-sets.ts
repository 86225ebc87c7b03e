import { bucketPercent, setForPercent, splitKey, type DataSet } from './original-split.js';

export interface SplitInput {
  path: string;
  label: string;
  relPath: string;
  /** Content hash: identical content always shares a set. */
  sha256: string;
}

export interface SplitResult<T extends SplitInput> {
  assignments: Array<T & { set: DataSet }>;
  notes: string[];
}

interface ContentGroup<T> {
  members: T[];
  percent: number;
}

/**
 * Assigns every image to training, validation or testing with the original hash rule, and fixes the
 * original's flaws: identical content under several names shares one set (the set of its smallest key),
 * and a class left with no validation or no test image borrows one from its training images (the one
 * closest to the boundary, so the choice is stable) when it has enough images, and says so.
 */
export function assignSets<T extends SplitInput>(
  images: readonly T[],
  validationPercentage: number,
  testingPercentage: number,
): SplitResult<T> {
  const notes: string[] = [];
  const groups = groupByContent(images);
  const setOf = new Map<ContentGroup<T>, DataSet>();
  for (const group of groups) {
    setOf.set(group, setForPercent(group.percent, validationPercentage, testingPercentage));
    const labels = new Set(group.members.map((m) => m.label));
    if (labels.size > 1) {
      notes.push(
        `identical image in several classes (${[...labels].join(', ')}): ${group.members.map((m) => m.path).join(', ')}`,
      );
    }
  }

  const classes = new Map<string, ContentGroup<T>[]>();
  for (const group of groups) {
    const label = group.members[0]!.label;
    const list = classes.get(label) ?? [];
    list.push(group);
    classes.set(label, list);
  }
  for (const [label, classGroups] of classes) {
    for (const [wanted, percentage] of [
      ['validation', validationPercentage],
      ['testing', testingPercentage],
    ] as const) {
      if (percentage <= 0 || classGroups.some((g) => setOf.get(g) === wanted)) continue;
      const training = classGroups.filter((g) => setOf.get(g) === 'training').sort((a, b) => a.percent - b.percent);
      if (training.length < 2) {
        notes.push(`class "${label}": no ${wanted} image and too few training images to lend one; it is left out of ${wanted}`);
        continue;
      }
      const lent = training[0]!;
      setOf.set(lent, wanted);
      notes.push(`class "${label}": no ${wanted} image at ${percentage}%, moved ${lent.members[0]!.relPath} from training`);
    }
  }

  const groupOf = new Map<T, ContentGroup<T>>();
  for (const group of groups) for (const member of group.members) groupOf.set(member, group);
  const assignments = images.map((image) => ({ ...image, set: setOf.get(groupOf.get(image)!)! }));
  return { assignments, notes };
}

function groupByContent<T extends SplitInput>(images: readonly T[]): ContentGroup<T>[] {
  const byHash = new Map<string, T[]>();
  for (const image of images) {
    const list = byHash.get(image.sha256) ?? [];
    list.push(image);
    byHash.set(image.sha256, list);
  }
  return [...byHash.values()].map((members) => {
    const key = members.map((m) => splitKey(m.relPath)).sort()[0]!;
    return { members, percent: bucketPercent(key) };
  });
}
