import fs from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import { configFlagOptions } from '../config/cli-flags.js';

export function experimentCommand(yargs: Argv) {
  return yargs.command(
    'experiment [names..]',
    'Run the experiments the config declares (all, or those named), sharing cached bottlenecks, and compare them',
    (y) =>
      y
        .positional('names', { type: 'string', array: true, describe: 'Experiments to run (default: all)' })
        .options(configFlagOptions())
        .option('export-best', { type: 'boolean', describe: 'Copy the best experiment\'s model (by validation accuracy) to the output folder' })
        .option('json', { type: 'boolean', describe: 'Print the comparison as JSON' }),
    async (argv) => {
      const { readConfig } = await import('../config/read-config.js');
      const { comparisonMarkdown } = await import('../experiment/comparison-table.js');
      const { expandExperiments, selectExperiments } = await import('../experiment/expand-experiments.js');
      const { bestExperiment, experimentsDir, runExperiments } = await import('../experiment/run-experiments.js');
      const { makeTempDirBeside, replaceDir, writeFileAtomic } = await import('../util/atomic-write.js');
      const { raw, baseDir, config } = await readConfig(argv, process.cwd());
      const experiments = selectExperiments(expandExperiments(raw), (argv.names as string[] | undefined) ?? []);
      if (experiments.length === 0) throw new Error('the config declares no experiments (add `experiments` or `experimentGrid`)');
      const log = (line: string) => process.stderr.write(line + '\n');
      const results = await runExperiments(raw, baseDir, experiments, (name, event) => {
        if (event.type === 'stage' && event.status !== 'start') log(`[${name}] ${event.stage}: ${event.status}${event.detail ? ` (${event.detail})` : ''}`);
        if (event.type === 'skipped') log(`[${name}] skipped ${event.file}: ${event.reason}`);
      });
      const best = bestExperiment(results);
      const folder = experimentsDir(config.outputDir);
      const table = comparisonMarkdown(results, best?.name);
      await writeFileAtomic(path.join(folder, 'experiments.md'), `# Experiments\n\nBest (validation accuracy): ${best?.name}\n\n${table}`);
      await writeFileAtomic(path.join(folder, 'experiments.json'), JSON.stringify({ best: best?.name, results }, null, 2) + '\n');
      if (argv['export-best'] && best) {
        const temp = await makeTempDirBeside(config.outputDir);
        await fs.cp(best.outputDir, temp, { recursive: true });
        await replaceDir(temp, config.outputDir);
        log(`exported ${best.name} to ${config.outputDir}`);
      }
      if (argv.json) process.stdout.write(JSON.stringify({ best: best?.name, results }) + '\n');
      else process.stdout.write(`${table}\nbest: ${best?.name}; tables in ${folder}/experiments.{md,json}\n`);
    },
  );
}
