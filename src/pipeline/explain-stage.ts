/** One stage of `retrain status`: up to date, or why not. */
export interface StageStatus {
  stage: string;
  upToDate: boolean;
  /** Why it is stale, one short phrase each ("train.learningRate 0.01 → 0.1", "3 new images"). */
  reasons: string[];
}


/**
 * One stage's line, as `retrain status` and `retrain watch` print it: "train: stale: train.learningRate
 * 0.01 → 0.1". A module of its own, so the CLI formats it without loading what computes the status.
 */
export function explainStage({ stage, upToDate, reasons }: StageStatus): string {
  return upToDate ? `${stage}: up to date` : `${stage}: stale: ${reasons.join('; ')}`;
}
