import type { Argv } from 'yargs';
import { configFlagOptions } from '../config/cli-flags.js';

export function cacheCommand(yargs: Argv) {
  return yargs.command(
    'cache <action>',
    'Look after the cache: stats (entries, size, per model), verify (remove damaged entries), gc (remove what no image uses)',
    (y) =>
      y
        .positional('action', { choices: ['stats', 'verify', 'gc'] as const, demandOption: true })
        .options(configFlagOptions())
        .option('keep-other-models', { type: 'boolean', describe: 'gc: keep every entry of models other than the config\'s' })
        .option('json', { type: 'boolean', describe: 'Print the result as JSON' }),
    async (argv) => {
      const { cacheStats, collectGarbage, verifyCache } = await import('../cache/cache-maintenance.js');
      const { RetrainCache } = await import('../cache/retrain-cache.js');
      const { readConfig } = await import('../config/read-config.js');
      const { config } = await readConfig(argv, process.cwd());
      const cache = RetrainCache.open(config.cacheDir);
      const print = (text: string, value: unknown) => process.stdout.write(argv.json ? JSON.stringify(value) + '\n' : text + '\n');
      try {
        if (argv.action === 'stats') {
          const stats = cacheStats(cache);
          const models = Object.entries(stats.bottlenecksByModel).map(([m, n]) => `  ${m}: ${n}`);
          print(
            [
              `${config.cacheDir}: ${(stats.diskBytes / 1e6).toFixed(1)} MB`,
              ...Object.entries(stats.entries).map(([t, n]) => `${t}: ${n}`),
              'bottlenecks per model (fingerprint:preprocessing):',
              ...models,
            ].join('\n'),
            stats,
          );
        } else if (argv.action === 'verify') {
          const result = await verifyCache(cache);
          const lines = result.removed.map((r) => `removed ${r.table} ${r.key}: ${r.reason}`);
          print([...lines, `${result.checked} entries checked, ${result.removed.length} damaged removed`].join('\n'), result);
        } else {
          const result = await collectGarbage(cache, config, { keepOtherModels: Boolean(argv['keep-other-models']) });
          const parts = Object.entries(result.removed).map(([t, n]) => `${n} ${t}`);
          print(`removed ${parts.join(', ')}; kept ${result.kept} entries`, result);
        }
      } finally {
        await cache.close();
      }
    },
  );
}
