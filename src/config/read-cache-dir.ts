import path from 'node:path';
import { configFromFlags } from './cli-flags.js';
import { findConfigFile, loadConfigFile } from './load-config.js';
import { ConfigError } from './config-error.js';

/**
 * The cache folder of a command that needs nothing else (`retrain cache stats|verify`): --cache-dir, else
 * the config file's cacheDir (relative to the file), else `.retrain-cache` here. No image folder needed.
 */
export async function readCacheDir(argv: Record<string, unknown>, cwd: string): Promise<string> {
  const fromFlags = configFromFlags(argv, cwd, () => {});
  if (fromFlags.cacheDir) return path.resolve(cwd, fromFlags.cacheDir);
  const file = findConfigFile(argv.config as string | undefined, cwd);
  const { cacheDir = '.retrain-cache' } = file ? await loadConfigFile(file) : {};
  // Not validated with the rest of the config (that needs an image folder): `cacheDir: 5` failed in path.resolve.
  if (typeof cacheDir !== 'string' || cacheDir === '') throw new ConfigError(`${file}: invalid config: cacheDir: must be a folder name`);
  return path.resolve(file ? path.dirname(file) : cwd, cacheDir);
}
