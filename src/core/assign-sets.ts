import { listSome } from '../util/list-some.js';
import { plural } from '../util/plural.js';
import { groupDigests } from '../util/digest-groups.js';
import { rowsOf, type ImageRows } from '../util/image-rows.js';
import { bucketPercent, setForPercent, splitKey, type SplitName } from './original-split.js';

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

/**
 * The images grouped by content, as columns: group `g` holds images first[g], next[first[g]], … (-1 ends it),
 * in image order; groups are numbered in the order of their first image. A million-image build made an array,
 * an object and two map entries per image here.
 */
interface ContentGroups {
  count: number;
  groupOf: Int32Array;
  first: Int32Array;
  next: Int32Array;
  /** Each group's place in the original's hash rule: of its smallest split key. */
  percent: Float64Array;
}

/** The sets in index order (what assignSetIndices gives). */
export const SETS: readonly SplitName[] = ['training', 'validation', 'testing'];

/**
 * Assigns every image to training, validation or testing with the original hash rule, and fixes the
 * original's flaws: identical content under several names shares one set (the set of its smallest key);
 * a class left with no training image (large test and validation percentages, few images) gets the image
 * closest to the training boundary moved to training, as every class must be trained on; a class left with
 * no validation or no test image borrows one from its training images (the one closest to the boundary, so
 * the choice is stable) when it has enough images. Each kind of move is said in one line for all classes.
 */
export function assignSets<T extends SplitInput>(
  images: readonly T[],
  validationPercentage: number,
  testingPercentage: number,
): SplitResult<T> {
  const { sets, notes } = assignSetIndices(images, validationPercentage, testingPercentage);
  return { assignments: images.map((image, i) => ({ ...image, set: SETS[sets[i]!]! })), notes };
}

/** The fields of the images that the split reads. */
export type SplitRows = Pick<ImageRows, 'count' | 'path' | 'label' | 'relPath' | 'sha256' | 'digestColumn'>;

/**
 * `assignSets` as a column: each image's set as an index into training, validation, testing. Same content is
 * found by the digest column's bytes (an array's hashes that are not hex stand for their own digests).
 */
export function assignSetIndices(
  rows: readonly SplitInput[] | SplitRows,
  validationPercentage: number,
  testingPercentage: number,
): { sets: Uint8Array; notes: string[] } {
  type T = SplitInput;
  const images = 'count' in rows ? rows : rowsOf(rows);
  const groups = groupByContent(images);
  const { percent } = groups;
  const row = (i: number): T => ({ path: images.path(i), label: images.label(i), relPath: images.relPath(i), sha256: images.sha256(i) });
  const members = (g: number): T[] => {
    const list: T[] = [];
    for (let i = groups.first[g]!; i !== -1; i = groups.next[i]!) list.push(row(i));
    return list;
  };
  const firstOf = (g: number): T => row(groups.first[g]!);
  const setOf = new Uint8Array(groups.count);
  const set = (g: number): SplitName => SETS[setOf[g]!]!;
  const assign = (g: number, name: SplitName) => (setOf[g] = SETS.indexOf(name));
  const inSeveralClasses: T[][] = [];
  for (let g = 0; g < groups.count; g++) {
    assign(g, setForPercent(percent[g]!, validationPercentage, testingPercentage));
    if (groups.next[groups.first[g]!] === -1) continue;
    const list = members(g);
    if (new Set(list.map((m) => m.label)).size > 1) inSeveralClasses.push(list);
  }

  const classes = groupsByClass(images, groups);
  const moved = { training: [] as Moved[], validation: [] as Moved[], testing: [] as Moved[] };
  const leftOut = { validation: [] as string[], testing: [] as string[] };
  for (const [label, classGroups] of classes) {
    if (!classGroups.some((g) => set(g) === 'training')) {
      const nearest = [...classGroups].sort((a, b) => percent[b]! - percent[a]!)[0]!;
      moved.training.push({ label, name: firstOf(nearest).relPath, from: set(nearest) });
      assign(nearest, 'training');
    }
    for (const [wanted, percentage] of [
      ['validation', validationPercentage],
      ['testing', testingPercentage],
    ] as const) {
      if (percentage <= 0 || classGroups.some((g) => set(g) === wanted)) continue;
      const training = Array.from(classGroups).filter((g) => set(g) === 'training').sort((a, b) => percent[a]! - percent[b]!);
      if (training.length < 2) {
        leftOut[wanted].push(label);
        continue;
      }
      const lent = training[0]!;
      assign(lent, wanted);
      moved[wanted].push({ label, name: firstOf(lent).relPath, from: 'training' });
    }
  }
  const notes = splitNotes(inSeveralClasses, moved, leftOut, validationPercentage, testingPercentage);
  const sets = new Uint8Array(images.count);
  for (let i = 0; i < images.count; i++) sets[i] = setOf[groups.groupOf[i]!]!;
  return { sets, notes };
}

/** An image moved into another set than the hash rule's, for the notes. */
export interface Moved {
  label: string;
  name: string;
  from: SplitName;
}

/**
 * The split's notes: identical images in several classes (each list one content), then the moves into training,
 * validation and testing and the classes left out of a set, each kind in one line for all classes.
 */
export function splitNotes(
  inSeveralClasses: readonly (readonly SplitInput[])[],
  moved: Readonly<Record<SplitName, readonly Moved[]>>,
  leftOut: Readonly<Record<'validation' | 'testing', readonly string[]>>,
  validationPercentage: number,
  testingPercentage: number,
): string[] {
  const notes: string[] = [];
  if (inSeveralClasses.length === 1) {
    const [list] = inSeveralClasses as [SplitInput[]];
    notes.push(`identical image in several classes (${[...new Set(list.map((m) => m.label))].join(', ')}): ${list.map((m) => m.path).join(', ')}`);
  } else if (inSeveralClasses.length > 1) {
    const each = inSeveralClasses.map((list) => `${list.map((m) => m.path).join(' = ')}`);
    notes.push(`${inSeveralClasses.length} images are identical in several classes: ${listSome(each, 3)}`);
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
  return notes;
}

/** One line for all the classes that needed an image moved into `set`. */
function describeMoves(moves: readonly Moved[], set: SplitName, at: string): string[] {
  if (moves.length === 0) return [];
  if (moves.length === 1) {
    const [{ label, name, from }] = moves as [Moved];
    return [`class "${label}": no ${set} image at ${at}, moved ${name} from ${from}`];
  }
  const each = moves.map(({ label, name, from }) => `${label} (${name}${set === 'training' ? ` from ${from}` : ''})`);
  return [`${plural(moves.length, 'class')} had no ${set} image at ${at}; one image each moved to ${set}: ${listSome(each, 6)}`];
}

/**
 * Each class's groups (a group is in the class of its first image), in group order; the classes in the order of
 * their first group. One column of group numbers cut by class, not a number array per class.
 */
function groupsByClass(images: SplitRows, groups: ContentGroups): Array<[string, Int32Array]> {
  const classOf = new Map<string, number>();
  const classOfGroup = new Int32Array(groups.count);
  for (let g = 0; g < groups.count; g++) {
    const label = images.label(groups.first[g]!);
    let c = classOf.get(label);
    if (c === undefined) classOf.set(label, (c = classOf.size));
    classOfGroup[g] = c;
  }
  const start = new Int32Array(classOf.size + 1);
  for (let g = 0; g < groups.count; g++) start[classOfGroup[g]! + 1]!++;
  for (let c = 0; c < classOf.size; c++) start[c + 1]! += start[c]!;
  const column = new Int32Array(groups.count);
  const filled = start.slice(0, classOf.size);
  for (let g = 0; g < groups.count; g++) column[filled[classOfGroup[g]!]!++] = g;
  return [...classOf].map(([label, c]) => [label, column.subarray(start[c]!, start[c + 1]!)]);
}

/** The images grouped by content hash, from the digest column's bytes (no hex string per image). */
function groupByContent(images: SplitRows): ContentGroups {
  const n = images.count;
  const { count, groupOf, first } = groupDigests(images.digestColumn(), n);
  const next = new Int32Array(n).fill(-1);
  const last = first.slice();
  for (let i = 0; i < n; i++) {
    const g = groupOf[i]!;
    if (first[g] === i) continue;
    next[last[g]!] = i;
    last[g] = i;
  }
  const percent = new Float64Array(count);
  for (let g = 0; g < count; g++) {
    // The smallest split key of the group's names (as sorting them did).
    let key = splitKey(images.relPath(first[g]!));
    for (let i = next[first[g]!]!; i !== -1; i = next[i]!) {
      const other = splitKey(images.relPath(i));
      if (other < key) key = other;
    }
    percent[g] = bucketPercent(key);
  }
  return { count, groupOf, first, next, percent };
}
