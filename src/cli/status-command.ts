import type { Argv } from 'yargs';
import { configFlagOptions } from '../config/cli-flags.js';
import { withModelsEnv } from './models-env.js';
import { withRemoteEnv } from './remote-env.js';

export function statusCommand(yargs: Argv) {
  return yargs.command(
    'status',
    'Which stages a build would run, and why (like make -n); computes and writes nothing',
    (y) =>
      y
        .options(configFlagOptions())
        .option('json', { type: 'boolean', describe: 'Print the status as one JSON object' })
        .example('$0 status', 'what `retrain build` would redo with ./retrain.config.ts')
        .example('$0 status --learning_rate 0.1', 'what a changed setting would redo'),
    async (argv) => {
      // Loaded when the command runs, so `--help` and the other commands do not load it.
      const { readConfig } = await import('../config/read-config.js');
      const { buildStatus, explainStage } = await import('../pipeline/stage-status.js');
      const warn = (message: string) => process.stderr.write(`warning: ${message}\n`);
      const { config } = await readConfig(withModelsEnv(withRemoteEnv(argv)), process.cwd(), warn);
      const status = await buildStatus(config, warn);
      if (argv.json) {
        process.stdout.write(`${JSON.stringify(status)}\n`);
        return;
      }
      if (status.record) process.stdout.write(`${status.record}\n`);
      for (const stage of status.stages) process.stdout.write(`${explainStage(stage)}\n`);
      process.stdout.write(status.upToDate ? `everything in ${status.outputDir} is up to date\n` : `retrain build would redo the stale stages\n`);
    },
  );
}
