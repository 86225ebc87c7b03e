import path from 'node:path';
import { configFromFlags } from './cli-flags.js';
import { findConfigFile, loadConfigFile } from './load-config.js';

/**
 * The cache folder of a command that needs nothing else (`retrain cache stats|verify`): --cache-dir, else
 * the config file's cacheDir (relative to the file), else `.retrain-cache` here. No image folder needed.
 */
export async function readCacheDir(argv: Record<string, unknown>, cwd: string): Promise<string> {
  const fromFlags = configFromFlags(argv, cwd, () => {});
  if (fromFlags.cacheDir) return path.resolve(cwd, fromFlags.cacheDir);
  const file = findConfigFile(argv.config as string | undefined, cwd);
  const fromFile = file ? await loadConfigFile(file) : {};
  return path.resolve(file ? path.dirname(file) : cwd, fromFile.cacheDir ?? '.retrain-cache');
}
