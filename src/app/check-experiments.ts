import type { RetrainConfig } from '../config/define-config.js';
import { resolveModel } from '../engine/model/resolve-model.js';
import type { Experiment } from './expand-experiments.js';
import { experimentConfigs } from './run-experiments.js';

/**
 * What can be known wrong with each experiment before any runs: its merged config, and its model reference
 * (a registry name or local path that is not there). One line per bad experiment, naming it; empty when all
 * are fine. A URL model is fetched only when its experiment runs, so a failing download is that row's failure.
 */
export async function experimentProblems(raw: RetrainConfig, baseDir: string, experiments: readonly Experiment[]): Promise<string[]> {
  const problems: string[] = [];
  for (const experiment of experiments) {
    try {
      const { config } = experimentConfigs(raw, baseDir, [experiment])[0]!;
      if (!/^https?:\/\//i.test(config.model)) await resolveModel(config.model, config.modelOptions, config.cacheDir, config.modelsDirs);
    } catch (error) {
      const message = ((error as Error).message ?? String(error)).split('\n')[0]!;
      // The config's own check already names the experiment (`experiment "x": invalid config: …`): once is enough.
      const prefix = `experiment "${experiment.name}": `;
      problems.push(message.startsWith(prefix) ? message : prefix + message);
    }
  }
  return problems;
}
