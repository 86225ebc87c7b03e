/** assignSets as it was before its content groups became columns (commit 89d2e4b): the reference the columns must match. */
import { listSome, plural } from '../../src/util/list-some.js';
import { bucketPercent, setForPercent, splitKey, type SplitName } from '../../src/core/original-split.js';

export interface SplitInput {
  path: string;
  label: string;
  relPath: string;
  /** Content hash: identical content always shares a set. */
  sha256: string;
}

export interface SplitResult<T extends SplitInput> {
  assignments: Array<T & { set: SplitName }>;
  notes: string[];
}

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
  const notes: string[] = [];
  const groups = groupByContent(images);
  const setOf = new Map<ContentGroup<T>, SplitName>();
  const inSeveralClasses: ContentGroup<T>[] = [];
  for (const group of groups) {
    setOf.set(group, setForPercent(group.percent, validationPercentage, testingPercentage));
    if (new Set(group.members.map((m) => m.label)).size > 1) inSeveralClasses.push(group);
  }
  if (inSeveralClasses.length === 1) {
    const [{ members }] = inSeveralClasses as [ContentGroup<T>];
    notes.push(`identical image in several classes (${[...new Set(members.map((m) => m.label))].join(', ')}): ${members.map((m) => m.path).join(', ')}`);
  } else if (inSeveralClasses.length > 1) {
    const each = inSeveralClasses.map(({ members }) => `${members.map((m) => m.path).join(' = ')}`);
    notes.push(`${inSeveralClasses.length} images are identical in several classes: ${listSome(each, 3)}`);
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
  const percentages = `${testingPercentage}% testing + ${validationPercentage}% validation`;
  notes.push(...describeMoves(moved.training, 'training', percentages));
  for (const wanted of ['validation', 'testing'] as const) {
    const percentage = wanted === 'validation' ? validationPercentage : testingPercentage;
    notes.push(...describeMoves(moved[wanted], wanted, `${percentage}%`));
    const out = leftOut[wanted];
    if (out.length === 1) notes.push(`class "${out[0]}": no ${wanted} image and too few training images to lend one; it is left out of ${wanted}`);
    else if (out.length > 1) {
      notes.push(`${out.length} classes have no ${wanted} image and too few training images to lend one; they are left out of ${wanted}: ${listSome(out, 10)}`);
    }
  }

  const groupOf = new Map<T, ContentGroup<T>>();
  for (const group of groups) for (const member of group.members) groupOf.set(member, group);
  const assignments = images.map((image) => ({ ...image, set: setOf.get(groupOf.get(image)!)! }));
  return { assignments, notes };
}

interface Moved {
  label: string;
  name: string;
  from: SplitName;
}

/** One line for all the classes that needed an image moved into `set`. */
function describeMoves(moves: readonly Moved[], set: SplitName, at: string): string[] {
  if (moves.length === 0) return [];
  if (moves.length === 1) {
    const [{ label, name, from }] = moves as [Moved];
    return [`class "${label}": no ${set} image at ${at}, moved ${name} from ${from}`];
  }
  const each = moves.map(({ label, name, from }) => `${label} (${name}${set === 'training' ? ` from ${from}` : ''})`);
  return [`${plural(moves.length, 'class', 'classes')} had no ${set} image at ${at}; one image each moved to ${set}: ${listSome(each, 6)}`];
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
