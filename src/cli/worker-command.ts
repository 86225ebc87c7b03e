import os from 'node:os';
import path from 'node:path';
import type { Argv } from 'yargs';
import { quietSdkNodeWarning } from './remote-env.js';
import { commandModelsDirs } from './models-env.js';
import { numberAtLeast } from './option-checks.js';

export function workerCommand(yargs: Argv) {
  return yargs.command(
    'worker',
    'Compute bottlenecks for `retrain build --queue` on this machine: jobs from Redis (BullMQ), vectors to the remote cache',
    (y) =>
      y
        .option('queue', { type: 'string', demandOption: true, describe: 'redis://host:port of the queue' })
        .option('workers', { type: 'number', describe: 'Bottleneck worker threads [one per core]' })
        .option('inference-batch-size', { type: 'number', default: 4, describe: 'Images per inference call' })
        .option('cache-dir', { type: 'string', default: '.retrain-cache', describe: 'Local folder for models and converted graphs' })
        .option('models-dir', { type: 'string', describe: "Folder holding the registry's models (also RETRAIN_MODELS_DIR) [../shared/models]" })
        .option('lock-ms', { type: 'number', default: 30_000, describe: 'A job whose worker stops answering is taken by another after about this long' })
        .example('$0 worker --queue redis://10.0.0.5:6379', 'endpoint and keys of the remote cache from AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, …')
        // Before any connection: `--workers 0` said BullMQ's "concurrency must be a finite number greater than 0"
        // and then a stack trace of the Redis connection left behind.
        .check(numberAtLeast('workers', 1))
        .check(numberAtLeast('inference-batch-size', 1))
        .check(numberAtLeast('lock-ms', 1)),
    async (argv) => {
      const { runBottleneckWorker } = await import('../engine/queue/bottleneck-worker.js');
      const { onInterrupt } = await import('./interrupt.js');
      quietSdkNodeWarning();
      const controller = new AbortController();
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const running = runBottleneckWorker(
        {
          queue: argv.queue,
          threads: workerThreads(argv.workers, log),
          inferenceBatchSize: argv['inference-batch-size'],
          cacheDir: path.resolve(argv['cache-dir']),
          modelsDirs: commandModelsDirs(argv['models-dir'], process.cwd()),
          lockMs: argv['lock-ms'],
          log,
        },
        controller.signal,
      );
      onInterrupt(() => {
        controller.abort();
        return running.then(() => undefined, () => undefined);
      });
      const done = await running;
      log(`worker stopped: ${done.computed} computed, ${done.present} already in the remote cache`);
    },
  );
}

/** One thread per core, or `--workers` when fewer: each thread holds a whole model (as for build, config/read-config.ts). */
function workerThreads(asked: number | undefined, log: (line: string) => void): number {
  const cores = Math.max(1, os.availableParallelism());
  if (asked !== undefined && asked > cores) log(`warning: --workers ${asked}: this machine has ${cores} ${cores === 1 ? 'core' : 'cores'}; using ${cores} worker ${cores === 1 ? 'thread' : 'threads'} (each holds a copy of the model)`);
  return Math.min(asked ?? cores, cores);
}
