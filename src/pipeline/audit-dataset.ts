import type { ResolvedConfig } from '../config/resolved-config.js';
import type { DatasetImages } from './dataset-images.js';
import { auditImages, DEFAULT_AUDIT_OPTIONS, type AuditImage, type AuditOptions, type AuditReport } from '../core/audit/audit.js';
import { auditImagesInWorkers } from '../engine/parallel-folds.js';

type AuditSettings = { train: Pick<ResolvedConfig['train'], 'steps' | 'learningRate' | 'batchSize' | 'evalStepInterval' | 'validationBatchSize'>; seed: number };

/** The audit of a build's split data set, with the config's training settings and seed (not the distorted variants). */
export function auditDataset(images: DatasetImages, labels: string[], config: AuditSettings): AuditReport {
  return auditImages(auditImagesOf(images), labels, auditOptionsOf(config));
}

/** `auditDataset` with the cross-validation folds trained by up to `workers` threads (the config's): the same report. */
export function auditDatasetInWorkers(images: DatasetImages, labels: string[], config: AuditSettings & { workers: number }): Promise<AuditReport> {
  return auditImagesInWorkers(auditImagesOf(images), labels, auditOptionsOf(config), config.workers);
}

/** The audit's view of a split data set's images (vectors read now). */
export function auditImagesOf(images: DatasetImages): AuditImage[] {
  return Array.from({ length: images.count }, (_, i) => ({ path: images.path(i), label: images.label(i), set: images.set(i), sha256: images.sha256(i), vector: images.vector(i) }));
}

/** The audit's settings from the config's training settings and seed. */
export function auditOptionsOf(config: AuditSettings): AuditOptions {
  const { steps, learningRate, batchSize, evalStepInterval, validationBatchSize } = config.train;
  return { ...DEFAULT_AUDIT_OPTIONS, train: { steps, learningRate, batchSize, evalStepInterval, validationBatchSize, seed: config.seed } };
}
