import type { StageStatus } from './stage-status.js';

/**
 * One stage's line, as `retrain status` and `retrain watch` print it: "train: stale: train.learningRate
 * 0.01 → 0.1". A module of its own, so the CLI formats it without loading what computes the status.
 */
export function explainStage({ stage, upToDate, reasons }: StageStatus): string {
  return upToDate ? `${stage}: up to date` : `${stage}: stale: ${reasons.join('; ')}`;
}
