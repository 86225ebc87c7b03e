import type { ResolvedConfig } from '../config/resolved-config.js';
import type { SplitImage } from '../pipeline/dataset.js';
import { auditImages, DEFAULT_AUDIT_OPTIONS, type AuditReport } from './audit.js';

/** The audit of a build's split data set, with the config's training settings and seed (not the distorted variants). */
export function auditDataset(images: readonly SplitImage[], labels: string[], config: { train: Pick<ResolvedConfig['train'], 'steps' | 'learningRate' | 'batchSize' | 'evalStepInterval' | 'validationBatchSize'>; seed: number }): AuditReport {
  const { steps, learningRate, batchSize, evalStepInterval, validationBatchSize } = config.train;
  return auditImages(
    images.map((image) => ({ path: image.path, label: image.label, set: image.set, sha256: image.sha256, vector: image.vector() })),
    labels,
    { ...DEFAULT_AUDIT_OPTIONS, train: { steps, learningRate, batchSize, evalStepInterval, validationBatchSize, seed: config.seed } },
  );
}
