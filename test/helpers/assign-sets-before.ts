/**
 * assignSets as it was before its content groups became columns (commit 89d2e4b): the reference the columns must
 * match. Its notes are worded by the same splitNotes; what is kept here is the old grouping and assignment.
 */
import { splitNotes, type Moved, type SplitInput, type SplitResult } from '../../src/core/assign-sets.js';
import { bucketPercent, setForPercent, splitKey, type SplitName } from '../../src/core/original-split.js';

interface ContentGroup<T> {
  members: T[];
  percent: number;
}

/**
 * Assigns every image to training, validation or testing with the original hash rule, and fixes the
 * original's flaws: identical content under several names shares one set (the set of its smallest key);
 * a class left with no training image (large test and validation percentages, few images) gets the image
 * closest to the training boundary moved to training, as every class must be trained on; a class left with
 * no validation or no test image borrows one from its training images (the one closest to the boundary, so
 * the choice is stable) when it has enough images. Each kind of move is said in one line for all classes.
 */
export function assignSetsBefore<T extends SplitInput>(
  images: readonly T[],
  validationPercentage: number,
  testingPercentage: number,
): SplitResult<T> {
  const groups = groupByContent(images);
  const setOf = new Map<ContentGroup<T>, SplitName>();
  const inSeveralClasses: ContentGroup<T>[] = [];
  for (const group of groups) {
    setOf.set(group, setForPercent(group.percent, validationPercentage, testingPercentage));
    if (new Set(group.members.map((m) => m.label)).size > 1) inSeveralClasses.push(group);
  }

  const classes = new Map<string, ContentGroup<T>[]>();
  for (const group of groups) {
    const label = group.members[0]!.label;
    const list = classes.get(label) ?? [];
    list.push(group);
    classes.set(label, list);
  }
  const moved = { training: [] as Moved[], validation: [] as Moved[], testing: [] as Moved[] };
  const leftOut = { validation: [] as string[], testing: [] as string[] };
  for (const [label, classGroups] of classes) {
    if (!classGroups.some((g) => setOf.get(g) === 'training')) {
      const nearest = [...classGroups].sort((a, b) => b.percent - a.percent)[0]!;
      moved.training.push({ label, name: nearest.members[0]!.relPath, from: setOf.get(nearest)! });
      setOf.set(nearest, 'training');
    }
    for (const [wanted, percentage] of [
      ['validation', validationPercentage],
      ['testing', testingPercentage],
    ] as const) {
      if (percentage <= 0 || classGroups.some((g) => setOf.get(g) === wanted)) continue;
      const training = classGroups.filter((g) => setOf.get(g) === 'training').sort((a, b) => a.percent - b.percent);
      if (training.length < 2) {
        leftOut[wanted].push(label);
        continue;
      }
      const lent = training[0]!;
      setOf.set(lent, wanted);
      moved[wanted].push({ label, name: lent.members[0]!.relPath, from: 'training' });
    }
  }
  const notes = splitNotes(inSeveralClasses.map((g) => g.members), moved, leftOut, validationPercentage, testingPercentage);
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
