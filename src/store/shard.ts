import { createHash } from 'node:crypto';

/** One share of the work: shard `index` (from 0) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Why `text` is not a shard `i/N` (0 ≤ i < N), or undefined when it is one. */
export function shardProblem(text: string): string | undefined {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) return 'not a shard; expected i/N: shard i (from 0) of N, e.g. 0/4';
  const [index, count] = [Number(match[1]), Number(match[2])];
  if (count < 1) return 'the number of shards N must be at least 1';
  if (index >= count) return `the shards of ${count} are numbered 0 to ${count - 1}`;
  return undefined;
}

/** `i/N` as a Shard; throws one line naming `source` when it is not one. */
export function parseShard(text: string, source: string): Shard {
  const problem = shardProblem(text);
  if (problem) throw new Error(`${source} ${text}: ${problem}`);
  const [index, count] = text.split('/').map((part) => Number(part.trim())) as [number, number];
  return { index, count };
}

/**
 * Whether a cache key belongs to `shard`: by a hash of the key alone (keys are content-addressed), so every
 * machine given the same N agrees, whatever order it lists the files in and whatever its paths are called.
 */
export function inShard(key: string, shard: Shard): boolean {
  const bucket = createHash('sha256').update(key).digest().readUInt32BE(0);
  return bucket % shard.count === shard.index;
}

export function shardName(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
