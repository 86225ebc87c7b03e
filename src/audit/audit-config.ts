import type { ResolvedConfig } from '../config/resolved-config.js';
import type { EmitEvent } from '../pipeline/build-events.js';
import type { BuildResources } from '../pipeline/build-resources.js';
import { splitDataset } from '../pipeline/split-dataset.js';
import { auditImages, DEFAULT_AUDIT_OPTIONS, type AuditOptions, type AuditReport } from './audit.js';

/**
 * `retrain audit` on a config: the build's first stages give every image its cached (or newly computed)
 * vector and its set, then the in-memory audit runs with the config's training settings and seed.
 * Distorted variants are not used: the audit is about the files as they are.
 */
export async function auditConfig(
  config: ResolvedConfig,
  options: { onEvent?: EmitEvent; resources?: BuildResources; audit?: Partial<Omit<AuditOptions, 'train'>> } = {},
): Promise<AuditReport> {
  const dataset = await splitDataset(config, options);
  const images = dataset.images.map((image) => ({ path: image.path, label: image.label, set: image.set, sha256: image.sha256, vector: image.vector() }));
  const { steps, learningRate, batchSize, evalStepInterval, validationBatchSize } = config.train;
  options.onEvent?.({ type: 'stage', stage: 'audit', status: 'start', detail: `${images.length} images` });
  const report = auditImages(images, dataset.labels, {
    ...DEFAULT_AUDIT_OPTIONS,
    ...options.audit,
    train: { steps, learningRate, batchSize, evalStepInterval, validationBatchSize, seed: config.seed },
  });
  options.onEvent?.({ type: 'stage', stage: 'audit', status: 'done' });
  return report;
}
