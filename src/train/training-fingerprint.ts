import { sha256Hex } from '../hash/content-hash.js';

/**
 * Identity of the data a head is trained on: which vectors with which labels in which set (testing images
 * do not train it). The train stage's key is made of it and the declared training settings
 * (src/pipeline/stages.ts), so one key always trains the same head.
 */
export function trainingDataKey(
  labels: readonly string[],
  examples: ReadonlyArray<{ key: string; label: string; set: string; variants?: ReadonlyArray<{ key: string }> }>,
): string {
  const lines = examples
    .filter((e) => e.set !== 'testing')
    .map((e) => [e.set, e.label, e.key, ...(e.variants ?? []).map((v) => v.key)].join('\t'))
    .sort();
  return sha256Hex(JSON.stringify({ version: 2, labels, examples: lines }));
}
