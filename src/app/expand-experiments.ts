import type { ExperimentOverrides, RetrainConfig } from '../config/define-config.js';

export interface Experiment {
  name: string;
  overrides: ExperimentOverrides;
}

export class ExperimentError extends Error {
  override name = 'ExperimentError';
  /** A config that declares experiments wrongly (exit code 2, as other bad configs); false for an unknown name asked for. */
  readonly usage: boolean;
  constructor(message: string, options: { usage?: boolean } = {}) {
    super(message);
    this.usage = options.usage ?? false;
  }
}

/**
 * The experiments a config declares: its named ones, then every combination of its grid (named like
 * `train.learningRate=0.1,distortions.flipLeftRight=true`). Pure. Two experiments of one name (a named one
 * spelt like a grid combination, or a grid value listed twice) are refused: they would share one model
 * folder and the table would hold two rows of one name, one of them describing a model that is not there.
 */
export function expandExperiments(config: Pick<RetrainConfig, 'experiments' | 'experimentGrid'>): Experiment[] {
  const all = declaredExperiments(config);
  const seen = new Set<string>();
  const twice = [...new Set(all.map((e) => e.name).filter((name) => seen.size === seen.add(name).size))];
  if (twice.length > 0) {
    throw new ExperimentError(
      `experiment${twice.length > 1 ? 's' : ''} ${twice.map((name) => `"${name}"`).join(', ')} declared twice (in experiments and experimentGrid, or a grid value listed twice); each experiment needs its own name, its model folder's`,
      { usage: true },
    );
  }
  return all;
}

function declaredExperiments(config: Pick<RetrainConfig, 'experiments' | 'experimentGrid'>): Experiment[] {
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
