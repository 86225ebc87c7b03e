import type { ResolvedConfig } from '../config/resolved-config.js';
import type { EmitEvent } from '../pipeline/build-events.js';
import type { BuildResources } from '../pipeline/build-resources.js';
import { splitDataset } from '../pipeline/split-dataset.js';
import type { AuditReport } from './audit.js';
import { auditDataset } from './audit-dataset.js';

/**
 * `retrain audit` on a config: the build's first stages give every image its cached (or newly computed)
 * vector and its set, then the in-memory audit runs with the config's training settings and seed.
 * Distorted variants are not used: the audit is about the files as they are.
 */
export async function auditConfig(
  config: ResolvedConfig,
  options: { onEvent?: EmitEvent; resources?: BuildResources } = {},
): Promise<AuditReport> {
  const dataset = await splitDataset(config, options);
  options.onEvent?.({ type: 'stage', stage: 'audit', status: 'start', detail: `${dataset.images.length} images` });
  const report = auditDataset(dataset.images, dataset.labels, config);
  options.onEvent?.({ type: 'stage', stage: 'audit', status: 'done' });
  return report;
}
