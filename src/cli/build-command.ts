import type { Argv } from 'yargs';
import { configFlagOptions } from '../config/cli-flags.js';
import { withModelsEnv } from './models-env.js';
import { needsValue } from './option-checks.js';
import { quietSdkNodeWarning, withRemoteEnv } from './remote-env.js';

export function buildCommand(yargs: Argv) {
  return yargs.command(
    'build',
    'Compute missing bottlenecks, train the head and export the model (skips whatever is up to date)',
    (y) =>
      y
        .options(configFlagOptions())
        .option('queue', { type: 'string', describe: 'redis://host:port: missing bottlenecks are computed by `retrain worker`s (needs --remote-cache)' })
        .check(needsValue('queue', 'redis://host:port of the Redis the `retrain worker`s take jobs from'))
        .option('json', { type: 'boolean', describe: 'Print the result as one JSON object (last line of stdout)' })
        .example('$0 build', 'build with ./retrain.config.ts')
        .example('$0 build --image_dir flower_photos --how_many_training_steps 500', 'original flag names work too'),
    async (argv) => {
      // What the command needs is loaded when it runs, so `--help` and the other commands do not load it.
      const { readConfig } = await import('../config/read-config.js');
      const { build } = await import('../pipeline/build.js');
      const { createReporter } = await import('./build-reporter.js');
      const { onInterrupt } = await import('./interrupt.js');
      quietSdkNodeWarning();
      const reporter = createReporter({ json: Boolean(argv.json) });
      const { config } = await readConfig(withModelsEnv(withRemoteEnv(argv)), process.cwd(), (message) => reporter.onEvent({ type: 'warning', message }));
      const controller = new AbortController();
      if (config.shard) {
        if (argv.queue) throw new Error('--shard and --queue: choose one (a shard computes here, without Redis)');
        const { shardBuild, describeShard } = await import('../pipeline/shard-build.js');
        const sharding = shardBuild(config, { onEvent: (event) => reporter.onEvent(event), signal: controller.signal });
        onInterrupt(() => {
          controller.abort();
          return sharding.then(() => undefined, () => undefined);
        });
        const result = await sharding;
        reporter.onEvent({ type: 'info', message: describeShard(result) });
        if (argv.json) process.stdout.write(JSON.stringify(result) + '\n');
        return;
      }
      const running = build(config, { onEvent: (event) => reporter.onEvent(event), signal: controller.signal, queue: argv.queue as string | undefined });
      onInterrupt(() => {
        controller.abort();
        return running.then(() => undefined, () => undefined);
      });
      const result = await running;
      reporter.finish(result, config.printMisclassifiedTestImages);
    },
  );
}
