import path from 'node:path';
import type { RetrainConfig } from '../config/define-config.js';
import { mergeConfig } from '../config/merge-config.js';
import { resolveConfig } from '../config/resolved-config.js';
import { validateConfig } from '../config/schema.js';
import { build } from '../pipeline/build.js';
import type { BuildEvent } from '../pipeline/build-events.js';
import { BuildResources } from '../pipeline/build-resources.js';
import type { Experiment } from './expand-experiments.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { checkAddOnlyFolder, checkModelFolder, checkOwnedFile, OutputRefusedError } from '../export/output-guard.js';
import { checkBuildOutputs, protectedFolders } from '../pipeline/build-outputs.js';
import { buildStatus } from '../pipeline/stage-status.js';

/**
 * `ran`: built by this run; `current`: not named this time, its stored result is up to date for the config and
 * folders (read back by an up-to-date build, which computes and trains nothing); `not run`: not named, and stale
 * or never built (`note` says which); `failed`: its build failed (`note`: the one-line reason).
 */
export type ExperimentStatus = 'ran' | 'current' | 'not run' | 'failed';

export interface ExperimentResult {
  name: string;
  status: ExperimentStatus;
  /** Why it was not run or failed. */
  note?: string;
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

/** Each experiment's full config: the base config with its overrides, its model (with labels and logs) in the experiments folder. */
export function experimentConfigs(raw: RetrainConfig, baseDir: string, experiments: Experiment[]): Array<{ name: string; config: ResolvedConfig }> {
  const base = resolveConfig(raw, baseDir);
  return experiments.map(({ name, overrides }) => {
    const merged = validateConfig(mergeConfig(raw, overrides), `experiment "${name}"`);
    // Each experiment's folder holds its own labels.txt and logs/: one --output_labels file or summaries folder
    // shared by all of them would only hold whichever ran last.
    const config = { ...resolveConfig(merged, baseDir), outputDir: path.join(experimentsDir(base.outputDir), name), outputLabels: undefined, summariesDir: undefined };
    return { name, config };
  });
}

/**
 * Checks, before any experiment runs, that every output the run writes may be written (output-guard.ts):
 * the experiments folder and its tables, each experiment's model folder, labels file and summaries, and
 * with `exportBest` the main output folder.
 */
export async function checkExperimentOutputs(raw: RetrainConfig, baseDir: string, experiments: Experiment[], exportBest: boolean): Promise<void> {
  const base = resolveConfig(raw, baseDir);
  const folder = experimentsDir(base.outputDir);
  const guarded = protectedFolders(base);
  await checkAddOnlyFolder(folder, 'experiments folder', guarded);
  await checkOwnedFile(path.join(folder, 'experiments.md'), 'experiments table', guarded, (content) => content.startsWith('# Experiments\n'));
  await checkOwnedFile(path.join(folder, 'experiments.json'), 'experiments table', guarded, (content) => {
    try {
      return Array.isArray((JSON.parse(content) as { results?: unknown }).results);
    } catch (error) {
      return { damaged: `not valid JSON: ${(error as Error).message}` };
    }
  });
  for (const { name, config } of experimentConfigs(raw, baseDir, experiments)) {
    if (!name || name === '.' || name === '..' || name.includes('/') || name.includes(path.sep) || name.startsWith('experiments.')) {
      throw new OutputRefusedError(`experiment name "${name}" cannot be a folder name in ${folder}; rename the experiment`);
    }
    // Named as the experiment: the user never typed this folder as --output-dir.
    await checkModelFolder(config.outputDir, `folder of experiment "${name}"`, guarded);
    await checkBuildOutputs(config);
  }
  if (exportBest) await checkModelFolder(base.outputDir, 'output folder (--output-dir, for --export-best)', guarded);
}

/**
 * Runs each experiment as a build of the base config with its overrides, one after another, sharing the
 * cache and warm engines, so each bottleneck is computed once for all of them. With `queue` (redis://…), the
 * bottlenecks missing from the caches are computed by `retrain worker`s into the remote cache.
 */
export async function runExperiments(
  raw: RetrainConfig,
  baseDir: string,
  experiments: Experiment[],
  onEvent: (experiment: string, event: BuildEvent) => void = () => {},
  options: { queue?: string; only?: readonly string[] } = {},
): Promise<ExperimentResult[]> {
  const configs = experimentConfigs(raw, baseDir, experiments);
  const base = resolveConfig(raw, baseDir);
  // The remote cache (and the queue's workers, which hand vectors back through it) serve every experiment.
  const resources = new BuildResources(base.cacheDir, base.remote);
  const results: ExperimentResult[] = [];
  const empty = (name: string, outputDir: string, status: ExperimentStatus, note: string): ExperimentResult => ({
    name, status, note, validationAccuracy: null, testAccuracy: null, testCount: 0, trainSeconds: 0, bottlenecksComputed: 0, variantsComputed: 0, outputDir,
  });
  try {
    for (const { name, config } of configs) {
      const outputDir = config.outputDir;
      const named = !options.only || options.only.length === 0 || options.only.includes(name);
      if (!named) {
        // Not asked for: its stored result, when a build would compute and train nothing; else "not run".
        const status = await buildStatus(config).catch((error: Error) => ({ upToDate: false, stages: [{ stage: 'build', upToDate: false, reasons: [error.message] }] }));
        if (!status.upToDate) {
          const stale = status.stages.find((s) => !s.upToDate);
          const never = stale?.reasons.includes('no build record');
          results.push(empty(name, outputDir, 'not run', never ? 'never run' : `stale: ${stale?.stage} (${stale?.reasons.join(', ')})`));
          continue;
        }
      }
      let trainStart = 0;
      let trainSeconds = 0;
      let variantsComputed = 0;
      try {
        const result = await build(config, {
          resources,
          queue: options.queue,
          onEvent: (event) => {
            if (event.type === 'stage' && event.stage === 'train' && event.status === 'start') trainStart = performance.now();
            if (event.type === 'stage' && event.stage === 'train' && event.status === 'done') trainSeconds = (performance.now() - trainStart) / 1000;
            if (event.type === 'augment-progress') variantsComputed = event.computed;
            onEvent(name, event);
          },
        });
        results.push({
          name,
          status: named ? 'ran' : 'current',
          validationAccuracy: result.validationAccuracy,
          testAccuracy: result.testAccuracy,
          testCount: result.testCount,
          trainSeconds,
          bottlenecksComputed: result.bottlenecksComputed,
          variantsComputed,
          outputDir,
        });
      } catch (error) {
        // An interrupt stops the whole run; any other failure is this experiment's row, and the others go on.
        if ((error as Error).name === 'AbortError') throw error;
        const reason = ((error as Error).message ?? String(error)).split('\n')[0]!;
        onEvent(name, { type: 'warning', message: `failed: ${reason}` });
        results.push(empty(name, outputDir, 'failed', reason));
      }
    }
  } finally {
    await resources.close();
  }
  return results;
}

/** The best experiment with a result of this config (ran or current): highest validation accuracy, then test accuracy, then the first declared. */
export function bestExperiment(results: readonly ExperimentResult[]): ExperimentResult | undefined {
  const score = (r: ExperimentResult) => [r.validationAccuracy ?? -1, r.testAccuracy ?? -1];
  return results.filter((r) => r.status === 'ran' || r.status === 'current').sort((a, b) => {
    const [va, ta] = score(a);
    const [vb, tb] = score(b);
    return vb! - va! || tb! - ta!;
  })[0];
}
