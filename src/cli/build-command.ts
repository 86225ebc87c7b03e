import type { Argv } from 'yargs';
import { configFlagOptions } from '../config/cli-flags.js';
import { readConfig } from '../config/read-config.js';
import { build } from '../pipeline/build.js';
import { createReporter } from './build-reporter.js';

export function buildCommand(yargs: Argv) {
  return yargs.command(
    'build',
    'Compute missing bottlenecks, train the head and export the model (skips whatever is up to date)',
    (y) =>
      y
        .options(configFlagOptions())
        .option('json', { type: 'boolean', describe: 'Print the result as one JSON object (last line of stdout)' })
        .example('$0 build', 'build with ./retrain.config.ts')
        .example('$0 build --image_dir flower_photos --how_many_training_steps 500', 'original flag names work too'),
    async (argv) => {
      const reporter = createReporter({ json: Boolean(argv.json) });
      const { config } = await readConfig(argv, process.cwd(), (message) => reporter.onEvent({ type: 'warning', message }));
      const result = await build(config, { onEvent: (event) => reporter.onEvent(event) });
      reporter.finish(result, config.printMisclassifiedTestImages);
    },
  );
}
