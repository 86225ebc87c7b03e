import path from 'node:path';
import { findConfigFile, loadConfigFile } from '../config/load-config.js';
import { ConfigError } from '../config/config-error.js';

/**
 * The exported model `predict` and `eval` use: `--model` when given, else the `outputDir` of the config
 * (named by `--config`, or found in `cwd`), relative to the config file, else `retrain-output`.
 */
export async function exportedModelDir(argv: { model?: unknown; config?: unknown }, cwd: string): Promise<string> {
  if (typeof argv.model === 'string') return path.resolve(cwd, argv.model);
  const file = findConfigFile(argv.config as string | undefined, cwd);
  if (!file) return path.resolve(cwd, 'retrain-output');
  const { outputDir = 'retrain-output' } = await loadConfigFile(file);
  if (typeof outputDir !== 'string' || outputDir === '') throw new ConfigError(`${file}: invalid config: outputDir: must be a folder name`);
  return path.resolve(path.dirname(file), outputDir);
}
