import type { RetrainConfig } from './define-config.js';

/** `base` overridden by `overrides`; the nested groups (split, train, distortions, modelOptions, head) merge field by field. */
export function mergeConfig(base: Partial<RetrainConfig>, overrides: Partial<RetrainConfig>): Partial<RetrainConfig> {
  const group = <K extends 'split' | 'train' | 'distortions' | 'modelOptions' | 'head'>(key: K) =>
    base[key] || overrides[key] ? { ...base[key], ...overrides[key] } : undefined;
  return {
    ...base,
    ...overrides,
    split: group('split'),
    train: group('train'),
    distortions: group('distortions'),
    modelOptions: group('modelOptions'),
    head: group('head'),
  };
}
