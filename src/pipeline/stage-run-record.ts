/**
 * What one stage run recorded: its key and the declared inputs it was computed from (for `retrain status`).
 * A file of its own so the build context can hold these without importing the stage runner (which imports it).
 */
export interface StageRunRecord {
  key: string;
  config: Record<string, unknown>;
  upstream: Record<string, string>;
}
