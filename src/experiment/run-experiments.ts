import path from 'node:path';
import type { RetrainConfig } from '../config/define-config.js';
import { mergeConfig } from '../config/merge-config.js';
import { resolveConfig } from '../config/resolved-config.js';
import { validateConfig } from '../config/schema.js';
import { build } from '../pipeline/build.js';
import type { BuildEvent } from '../pipeline/build-events.js';
import { BuildResources } from '../pipeline/build-resources.js';
import type { Experiment } from './expand-experiments.js';

export interface ExperimentResult {
  name: string;
  validationAccuracy: number | null;
  testAccuracy: number | null;
  testCount: number;
  /** Seconds spent training the head (0 when the same head was cached). */
  trainSeconds: number;
  bottlenecksComputed: number;
  variantsComputed: number;
  outputDir: string;
}

/** Where experiment models and the comparison tables go: beside the main output folder. */
export function experimentsDir(outputDir: string): string {
  return `${outputDir}-experiments`;
}

/**
 * Runs each experiment as a build of the base config with its overrides, one after another, sharing the
 * cache and warm engines, so each bottleneck is computed once for all of them.
 */
export async function runExperiments(
  raw: RetrainConfig,
  baseDir: string,
  experiments: Experiment[],
  onEvent: (experiment: string, event: BuildEvent) => void = () => {},
): Promise<ExperimentResult[]> {
  const base = resolveConfig(raw, baseDir);
  const resources = new BuildResources(base.cacheDir);
  const results: ExperimentResult[] = [];
  try {
    for (const { name, overrides } of experiments) {
      const merged = validateConfig(mergeConfig(raw, overrides), `experiment "${name}"`);
      const outputDir = path.join(experimentsDir(base.outputDir), name);
      const config = { ...resolveConfig(merged, baseDir), outputDir };
      let trainStart = 0;
      let trainSeconds = 0;
      let variantsComputed = 0;
      const result = await build(config, {
        resources,
        onEvent: (event) => {
          if (event.type === 'stage' && event.stage === 'train' && event.status === 'start') trainStart = performance.now();
          if (event.type === 'stage' && event.stage === 'train' && event.status === 'done') trainSeconds = (performance.now() - trainStart) / 1000;
          if (event.type === 'augment-progress') variantsComputed = event.computed;
          onEvent(name, event);
        },
      });
      results.push({
        name,
        validationAccuracy: result.validationAccuracy,
        testAccuracy: result.testAccuracy,
        testCount: result.testCount,
        trainSeconds,
        bottlenecksComputed: result.bottlenecksComputed,
        variantsComputed,
        outputDir,
      });
    }
  } finally {
    await resources.close();
  }
  return results;
}

/** The best experiment: highest validation accuracy, then test accuracy, then the first declared. */
export function bestExperiment(results: readonly ExperimentResult[]): ExperimentResult | undefined {
  const score = (r: ExperimentResult) => [r.validationAccuracy ?? -1, r.testAccuracy ?? -1];
  return [...results].sort((a, b) => {
    const [va, ta] = score(a);
    const [vb, tb] = score(b);
    return vb! - va! || tb! - ta!;
  })[0];
}
