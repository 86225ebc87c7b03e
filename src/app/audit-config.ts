import type { ResolvedConfig } from '../config/resolved-config.js';
import type { EmitEvent } from '../pipeline/build-events.js';
import type { BuildResources } from '../pipeline/build-resources.js';
import { splitDataset } from '../pipeline/split-dataset.js';
import { checkCacheFolder } from '../export/output-guard.js';
import type { AuditReport } from '../core/audit/audit.js';
import { auditDatasetInWorkers } from '../pipeline/audit-dataset.js';
import { plural } from '../util/plural.js';

/**
 * `retrain audit` on a config: the build's first stages give every image its cached (or newly computed)
 * vector and its set, then the in-memory audit runs with the config's training settings and seed.
 * Distorted variants are not used: the audit is about the files as they are. The cross-validation folds train
 * in up to `config.workers` worker threads.
 */
export async function auditConfig(
  config: ResolvedConfig,
  options: { onEvent?: EmitEvent; resources?: BuildResources } = {},
): Promise<AuditReport> {
  await checkCacheFolder(config.cacheDir, config.imageDirs); // before the cache is opened
  const dataset = await splitDataset(config, options);
  options.onEvent?.({ type: 'stage', stage: 'audit', status: 'start', detail: plural(dataset.images.count, 'image') });
  const report = await auditDatasetInWorkers(dataset.images, dataset.labels, config);
  options.onEvent?.({ type: 'stage', stage: 'audit', status: 'done' });
  return report;
}
