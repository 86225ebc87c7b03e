import fs from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import { configFlagOptions } from '../config/cli-flags.js';
import { withModelsEnv } from './models-env.js';
import { needsValue } from './option-checks.js';

export function experimentCommand(yargs: Argv) {
  return yargs.command(
    'experiment [names..]',
    'Run the experiments the config declares (all, or those named), sharing cached bottlenecks, and compare them',
    (y) =>
      y
        .positional('names', { type: 'string', array: true, describe: 'Experiments to run (default: all)' })
        .options(configFlagOptions())
        .option('export-best', { type: 'boolean', describe: 'Copy the best experiment\'s model (by validation accuracy) to the output folder' })
        .option('queue', { type: 'string', describe: 'redis://host:port: missing bottlenecks are computed by `retrain worker`s (needs --remote-cache)' })
        .check(needsValue('queue', 'redis://host:port of the Redis the `retrain worker`s take jobs from'))
        .option('json', { type: 'boolean', describe: 'Print the comparison as JSON' }),
    async (argv) => {
      const { readConfig } = await import('../config/read-config.js');
      const { comparisonMarkdown } = await import('../app/comparison-table.js');
      const { ExperimentError, expandExperiments, selectExperiments } = await import('../app/expand-experiments.js');
      const { bestExperiment, checkExperimentOutputs, experimentsDir, runExperiments } = await import('../app/run-experiments.js');
      const { checkReplaceable } = await import('../export/output-guard.js');
      const { describeWriteError } = await import('../util/file-errors.js');
      const { makeTempDirBeside, replaceDir, writeFileAtomic } = await import('../util/atomic-write.js');
      const { quietSdkNodeWarning, withRemoteEnv } = await import('./remote-env.js');
      quietSdkNodeWarning();
      const { raw, baseDir, config, file } = await readConfig(withModelsEnv(withRemoteEnv(argv)), process.cwd(), (message) => process.stderr.write(`warning: ${message}\n`));
      // Every experiment of the config is in the tables; those not named are read back when up to date, else "not run".
      const experiments = (() => {
        try {
          return expandExperiments(raw);
        } catch (error) {
          // A config declaring two experiments of one name: the line names the file.
          if (error instanceof ExperimentError && error.usage && file) error.message = `${file}: ${error.message}`;
          throw error;
        }
      })();
      const named = selectExperiments(experiments, (argv.names as string[] | undefined) ?? []).map((e) => e.name);
      if (experiments.length === 0) throw new Error('the config declares no experiments (add `experiments` or `experimentGrid`)');
      // What can be known wrong is said for every experiment before any runs (exit 2, nothing run).
      const { experimentProblems } = await import('../app/check-experiments.js');
      const problems = await experimentProblems(raw, baseDir, experiments);
      if (problems.length > 0) {
        for (const problem of problems) process.stderr.write(`error: ${problem}\n`);
        process.exitCode = 2;
        return;
      }
      await checkExperimentOutputs(raw, baseDir, experiments, Boolean(argv['export-best']));
      const log = (line: string) => process.stderr.write(line + '\n');
      const results = await runExperiments(raw, baseDir, experiments, (name, event) => {
        if (event.type === 'stage' && event.status !== 'start') log(`[${name}] ${event.stage}: ${event.status}${event.detail ? ` (${event.detail})` : ''}`);
        if (event.type === 'skipped') log(`[${name}] skipped ${event.file}: ${event.reason}`);
        if (event.type === 'warning') log(`[${name}] warning: ${event.message}`);
      }, { queue: argv.queue as string | undefined, only: named });
      const best = bestExperiment(results);
      const folder = experimentsDir(config.outputDir);
      const table = comparisonMarkdown(results, best?.name);
      const writing = (where: string) => (error: unknown) => {
        if ((error as NodeJS.ErrnoException).code) throw new Error(`cannot write ${where}: ${describeWriteError(error)}; the experiment models are in ${folder}`);
        throw error;
      };
      await writeFileAtomic(path.join(folder, 'experiments.md'), `# Experiments\n\nBest (validation accuracy): ${best?.name}\n\n${table}`).catch(writing(`the table ${folder}/experiments.md`));
      await writeFileAtomic(path.join(folder, 'experiments.json'), JSON.stringify({ best: best?.name, results }, null, 2) + '\n').catch(writing(`the table ${folder}/experiments.json`));
      if (argv['export-best'] && best) {
        const temp = await makeTempDirBeside(config.outputDir).catch(writing(`the best model to ${config.outputDir}`));
        try {
          await fs.cp(best.outputDir, temp, { recursive: true });
          await replaceDir(temp, config.outputDir, (target) => checkReplaceable(target, 'output folder (--output-dir, for --export-best)'));
        } catch (error) {
          await fs.rm(temp, { recursive: true, force: true });
          writing(`the best model to ${config.outputDir}`)(error);
        }
        log(`exported ${best.name} to ${config.outputDir} (the best of ${results.filter((r) => r.status === 'ran' || r.status === 'current').map((r) => r.name).join(', ')})`);
      } else if (argv['export-best']) log('--export-best: no experiment has a result for this config; nothing exported');
      if (argv.json) process.stdout.write(JSON.stringify({ best: best?.name, results }) + '\n');
      else process.stdout.write(`${table}\nbest: ${best?.name ?? 'none'}; tables in ${folder}/experiments.{md,json}\n`);
      const failed = results.filter((r) => r.status === 'failed');
      if (failed.length > 0) {
        log(`error: ${failed.length} experiment${failed.length > 1 ? 's' : ''} failed (${failed.map((r) => r.name).join(', ')}); see ${folder}/experiments.md`);
        process.exitCode = 1;
      }
    },
  );
}
