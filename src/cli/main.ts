import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { auditCommand } from './audit-command.js';
import { buildCommand } from './build-command.js';
import { cacheCommand } from './cache-command.js';
import { evalCommand } from './eval-command.js';
import { experimentCommand } from './experiment-command.js';
import { modelsCommand } from './models-command.js';
import { predictCommand } from './predict-command.js';
import { watchCommand } from './watch-command.js';

/** The `retrain` command line. Errors end the process with one line on stderr and exit code 1. */
export async function main(args: string[] = hideBin(process.argv)): Promise<void> {
  // A failed LMDB commit (disk full) can surface outside any await: still one clear line, exit 1. The
  // cache stays consistent (the failed transaction is rolled back) and exports are atomic.
  process.on('unhandledRejection', (reason: Error & { commitError?: Promise<unknown> }) => {
    const report = (error: Error) => {
      process.stderr.write(`error: ${error.message.split('\n')[0]}\n`);
      process.exit(1);
    };
    if (reason?.commitError) reason.commitError.catch((inner: Error) => report(new Error(`cannot write the cache: ${inner.message}`)));
    else report(reason instanceof Error ? reason : new Error(String(reason)));
  });
  // Output piped into `head` and closed early is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const cli = yargs(args)
    .scriptName('retrain')
    .usage('$0 <command> [options]\n\nRetrain an image classifier for your own classes by transfer learning, as an incremental build.')
    .option('config', { type: 'string', describe: 'Config file [./retrain.config.ts]', global: true })
    .demandCommand(1, 'Name a command: build, watch, predict, eval, experiment, audit, cache or models')
    .strict()
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((message, error) => {
      if (error) throw error;
      process.stderr.write(`error: ${message}\nRun "retrain --help" for usage.\n`);
      process.exit(2);
    }) as Argv;
  try {
    await auditCommand(cacheCommand(modelsCommand(experimentCommand(evalCommand(predictCommand(watchCommand(buildCommand(cli)))))))).parseAsync();
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    if (process.env.RETRAIN_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    process.exitCode = 1;
  }
}
