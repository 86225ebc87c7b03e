import fs from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import { seal, unseal } from '../store/sealed-value.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { Evaluation } from '../core/evaluate-head.js';

/** A head's evaluation on a test and validation set, kept so an up-to-date build reads no vector to report it. */
export interface StoredEvaluation {
  test: Evaluation;
  validation: Evaluation;
}

/** `<cacheDir>/evaluations/<key>.v8`: one small file per evaluated head and set (v8 keeps NaN accuracies). */
function evaluationFile(cacheDir: string, key: string): string {
  return path.join(cacheDir, 'evaluations', `${key}.v8`);
}

/**
 * The stored evaluation, or undefined when absent, unreadable or failing its checksum (sealed with its key like every
 * cached value): then it is evaluated again — time, not correctness.
 */
export async function readEvaluation(cacheDir: string, key: string): Promise<StoredEvaluation | undefined> {
  const bytes = await fs.readFile(evaluationFile(cacheDir, key)).catch(() => undefined);
  const payload = bytes && unseal(`evaluation:${key}`, bytes);
  if (!payload) return undefined;
  try {
    const stored = v8.deserialize(payload) as StoredEvaluation;
    const ok = (e: Evaluation | undefined) => typeof e?.accuracy === 'number' && Number.isInteger(e.count) && Array.isArray(e.confusion) && Array.isArray(e.misclassified);
    return ok(stored?.test) && ok(stored?.validation) ? stored : undefined;
  } catch {
    return undefined;
  }
}

/** Stores it atomically; a failure to store costs the next build an evaluation, so it is not an error. */
export async function writeEvaluation(cacheDir: string, key: string, evaluation: StoredEvaluation): Promise<void> {
  await writeFileAtomic(evaluationFile(cacheDir, key), seal(`evaluation:${key}`, v8.serialize(evaluation))).catch(() => undefined);
}
