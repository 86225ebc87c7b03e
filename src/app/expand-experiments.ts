import type { ExperimentOverrides, RetrainConfig } from '../config/define-config.js';

export interface Experiment {
  name: string;
  overrides: ExperimentOverrides;
}

export class ExperimentError extends Error {
  override name = 'ExperimentError';
}

/**
 * The experiments a config declares: its named ones, then every combination of its grid (named like
 * `train.learningRate=0.1,distortions.flipLeftRight=true`). Pure.
 */
export function expandExperiments(config: Pick<RetrainConfig, 'experiments' | 'experimentGrid'>): Experiment[] {
  const named = Object.entries(config.experiments ?? {}).map(([name, overrides]) => ({ name, overrides }));
  const grid = Object.entries(config.experimentGrid ?? {});
  if (grid.length === 0) return named;
  let combinations: Array<Array<[string, string | number | boolean]>> = [[]];
  for (const [field, values] of grid) combinations = combinations.flatMap((combo) => values.map((v) => [...combo, [field, v] as [string, string | number | boolean]]));
  const fromGrid = combinations.map((combo) => ({
    name: combo.map(([field, value]) => `${field}=${value}`).join(','),
    overrides: combo.reduce<ExperimentOverrides>((overrides, [field, value]) => setField(overrides, field, value), {}),
  }));
  return [...named, ...fromGrid];
}

/** Picks experiments by name; every name must exist. */
export function selectExperiments(all: Experiment[], names: readonly string[]): Experiment[] {
  if (names.length === 0) return all;
  const missing = names.filter((n) => !all.some((e) => e.name === n));
  if (missing.length > 0) throw new ExperimentError(`unknown experiment${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; the config has: ${all.map((e) => e.name).join(', ') || 'none'}`);
  return all.filter((e) => names.includes(e.name));
}

function setField(overrides: ExperimentOverrides, field: string, value: unknown): ExperimentOverrides {
  const [head, leaf, ...rest] = field.split('.');
  if (rest.length > 0 || !head) throw new ExperimentError(`experimentGrid: "${field}" must be a field or group.field`);
  if (leaf === undefined) return { ...overrides, [head]: value };
  const group = (overrides as Record<string, Record<string, unknown> | undefined>)[head] ?? {};
  return { ...overrides, [head]: { ...group, [leaf]: value } };
}
