import path from 'node:path';
import type { Argv } from 'yargs';
import type { MovedAside } from '../store/cache-file-errors.js';
import { configFlagOptions } from '../config/cli-flags.js';
import { withModelsEnv } from './models-env.js';

/** The config flags cache commands read: where the cache is, and (gc) which images, model and variants are still used. */
const CACHE_FLAGS = ['cache-dir', 'image-dir', 'model', 'models-dir', 'backend', 'labels', 'flip-left-right', 'random-crop', 'random-scale', 'random-brightness', 'distortion-variants'];

const MB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function cacheCommand(yargs: Argv) {
  return yargs.command(
    'cache <action>',
    'Look after the cache: stats (entries, size, per model), verify (remove damaged entries; --repair moves a damaged cache file aside), gc (remove what no image uses, then shrink the file)',
    (y) =>
      y
        .positional('action', { choices: ['stats', 'verify', 'gc'] as const, demandOption: true })
        .options(configFlagOptions(CACHE_FLAGS))
        .option('repair', { type: 'boolean', describe: 'verify: move a damaged or foreign cache file aside (never deleted) and start an empty cache' })
        .option('keep-other-models', { type: 'boolean', describe: 'gc: keep every entry of models other than the config\'s' })
        .option('json', { type: 'boolean', describe: 'Print the result as JSON' }),
    async (argv) => {
      const { compactCache } = await import('../store/cache-compaction.js');
      const { cacheStats, collectGarbage, verifyCache } = await import('../app/cache-maintenance.js');
      const { CacheError, cacheDamagedMessage, lmdbDamage, moveAside } = await import('../store/cache-file-errors.js');
      const { RetrainCache } = await import('../store/retrain-cache.js');
      const { readCacheDir } = await import('../config/read-cache-dir.js');
      const { readConfig } = await import('../config/read-config.js');
      const { verifyGraphs } = await import('../engine/onnx/graph-store.js');
      const print = (text: string, value: unknown) => process.stdout.write(argv.json ? JSON.stringify(value) + '\n' : text + '\n');
      // stats and verify need only the cache folder; gc also the image folders (what is still used).
      const config = argv.action === 'gc' ? (await readConfig(withModelsEnv(argv), process.cwd())).config : undefined;
      const cacheDir = config?.cacheDir ?? (await readCacheDir(argv, process.cwd()));
      // Reading never creates a cache: a mistyped folder is an error, not a new empty cache.
      let cache = RetrainCache.open(cacheDir, { mustExist: true, ifDamaged: argv.action === 'verify' && argv.repair ? 'move-aside' : 'refuse', thorough: argv.action === 'verify' });
      let movedAside: MovedAside | undefined = cache.takeMovedAside();
      let open = true;
      // Damage LMDB finds only while reading (pages that point nowhere): the same one line, and --repair moves
      // the file aside then too.
      const damageIn = async <T>(work: () => Promise<T> | T, repair = false): Promise<T> => {
        try {
          return await work();
        } catch (error) {
          const reason = lmdbDamage(error);
          if (!reason) throw error;
          if (!repair) throw new CacheError(cacheDamagedMessage(cache.file, reason));
          await cache.close().catch(() => undefined);
          movedAside = moveAside(cache.file, reason);
          cache = RetrainCache.open(cacheDir);
          return work();
        }
      };
      try {
        if (argv.action === 'stats') {
          const stats = await damageIn(() => cacheStats(cache));
          const models = Object.entries(stats.bottlenecksByModel).map(([m, n]) => `  ${m}: ${n}`);
          print(
            [
              `${cacheDir}: ${MB(stats.diskBytes)}`,
              ...Object.entries(stats.entries).map(([t, n]) => `${t}: ${n}`),
              ...(stats.formerFormatEntries ? [`entries of an older cache format (unused; gc removes them): ${stats.formerFormatEntries}`] : []),
              'bottlenecks per model (fingerprint:preprocessing):',
              ...models,
            ].join('\n'),
            stats,
          );
        } else if (argv.action === 'verify') {
          const result = await damageIn(() => verifyCache(cache), Boolean(argv.repair));
          const moved = movedAside;
          const graphs = await verifyGraphs(cacheDir);
          const lines = [
            ...(moved ? [`the cache file ${moved.from} was damaged (${moved.reason}): moved it to ${path.basename(moved.to)} and started an empty cache`] : []),
            ...result.removed.map((r) => `removed ${r.table} ${r.key}: ${r.reason}`),
            ...graphs.removed.map((file) => `removed converted graph ${file}: checksum mismatch`),
            `${result.checked} entries and ${graphs.checked} converted graphs checked, ${result.removed.length + graphs.removed.length} damaged removed`,
          ];
          print(lines.join('\n'), { ...result, movedAside: moved, graphs });
        } else {
          const result = await damageIn(() => collectGarbage(cache, config!, { keepOtherModels: Boolean(argv['keep-other-models']) }));
          open = false;
          const compaction = await compactCache(cache);
          const parts = Object.entries(result.removed).filter(([t, n]) => n > 0 || t !== 'formerFormat').map(([t, n]) => `${n} ${t}`);
          const size = compaction.compacted
            ? `${cache.file}: ${MB(compaction.bytesBefore)} → ${MB(compaction.bytesAfter)} (${MB(compaction.bytesBefore - compaction.bytesAfter)} freed)`
            : `${cache.file}: ${MB(compaction.bytesBefore)}, not compacted (${compaction.reason})`;
          print(`removed ${parts.join(', ')}; kept ${result.kept} entries\n${size}`, { ...result, ...compaction, bytesFreed: compaction.compacted ? compaction.bytesBefore - compaction.bytesAfter : 0 });
        }
      } finally {
        if (open) await cache.close();
      }
    },
  );
}
