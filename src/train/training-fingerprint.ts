import { sha256Hex } from '../hash/content-hash.js';
import type { TrainParams } from './train-head.js';

/**
 * Identity of a training run: which vectors with which labels in which set, the hyper-parameters and the seed.
 * The same fingerprint always trains the same head, so a trained head is cached under it.
 */
export function trainingFingerprint(
  labels: readonly string[],
  examples: ReadonlyArray<{ key: string; label: string; set: string; variants?: ReadonlyArray<{ key: string }> }>,
  params: TrainParams & { head?: unknown },
): string {
  const lines = examples
    .filter((e) => e.set !== 'testing')
    .map((e) => [e.set, e.label, e.key, ...(e.variants ?? []).map((v) => v.key)].join('\t'))
    .sort();
  return sha256Hex(JSON.stringify({ version: 2, labels, params, examples: lines }));
}
