import type { Neighbours } from './neighbours.js';

export interface DuplicateInput {
  label: string;
  set: string;
  sha256: string;
}

export interface DuplicateGroup {
  /** Indices of the images, in input order. */
  members: number[];
  /** `identical`: the same bytes; `near`: different bytes, vectors at least the threshold alike. */
  kind: 'identical' | 'near';
  /** Lowest cosine similarity of the pairs that joined the group (1 for identical content). */
  similarity: number;
  crossClass: boolean;
  crossSplit: boolean;
}

/**
 * Groups of images with identical content (same sha256) and of near-duplicates (neighbours whose vectors'
 * cosine similarity reaches `threshold`, joined transitively). Ranked: groups whose labels disagree first
 * (contradictory labels), then groups spanning training and validation/test (leakage), then the rest; most
 * similar first within each rank.
 */
export function findDuplicates(images: readonly DuplicateInput[], neighbours: Neighbours, threshold: number): DuplicateGroup[] {
  const groups: DuplicateGroup[] = [];
  const byHash = new Map<string, number[]>();
  images.forEach((image, i) => {
    const list = byHash.get(image.sha256);
    if (list) list.push(i);
    else byHash.set(image.sha256, [i]);
  });
  for (const members of byHash.values()) if (members.length > 1) groups.push(describe(images, members, 'identical', 1));

  // Near duplicates: union-find over neighbour pairs above the threshold, between different contents.
  const parent = Int32Array.from(images, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const edges: Array<{ i: number; similarity: number }> = [];
  const { k, indices, similarities } = neighbours;
  for (let i = 0; i < images.length; i++) {
    for (let m = 0; m < k; m++) {
      const j = indices[i * k + m]!;
      const similarity = similarities[i * k + m]!;
      if (j < 0 || similarity < threshold) break;
      if (images[i]!.sha256 === images[j]!.sha256) continue;
      const a = find(i);
      const b = find(j);
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      edges.push({ i, similarity });
    }
  }
  const lowest = new Map<number, number>();
  for (const { i, similarity } of edges) lowest.set(find(i), Math.min(similarity, lowest.get(find(i)) ?? 1));
  const near = new Map<number, number[]>();
  for (let i = 0; i < images.length; i++) {
    const root = find(i);
    if (!lowest.has(root)) continue;
    const list = near.get(root);
    if (list) list.push(i);
    else near.set(root, [i]);
  }
  for (const [root, members] of near) groups.push(describe(images, members, 'near', lowest.get(root)!));
  const rank = (g: DuplicateGroup) => (g.crossClass ? 0 : g.crossSplit ? 1 : 2);
  groups.sort((a, b) => rank(a) - rank(b) || b.similarity - a.similarity || a.members[0]! - b.members[0]!);
  return groups;
}

function describe(images: readonly DuplicateInput[], members: number[], kind: DuplicateGroup['kind'], similarity: number): DuplicateGroup {
  const labels = new Set(members.map((i) => images[i]!.label));
  const sets = new Set(members.map((i) => images[i]!.set));
  return { members, kind, similarity, crossClass: labels.size > 1, crossSplit: sets.has('training') && sets.size > 1 };
}
