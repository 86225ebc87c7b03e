import path from 'node:path';
import { configFromFlags, flagSources } from './cli-flags.js';
import type { RetrainConfig } from './define-config.js';
import { mergeConfig } from './merge-config.js';
import { findConfigFile, loadConfigFile } from './load-config.js';
import { resolveConfig, type ResolvedConfig } from './resolved-config.js';
import { ConfigError, validateConfig } from './schema.js';

export interface ReadConfigResult {
  config: ResolvedConfig;
  /** The config file used, if any. */
  file?: string;
  /** The validated config before defaults (file + flags), and the folder its relative paths are relative to. */
  raw: RetrainConfig;
  baseDir: string;
}

/**
 * The effective config of one command: the config file (named by --config or found in `cwd`), overridden
 * by command-line flags, validated, with defaults filled in. Paths in the file are relative to the file.
 */
export async function readConfig(
  argv: Record<string, unknown>,
  cwd: string,
  warn: (message: string) => void = () => {},
): Promise<ReadConfigResult> {
  const file = findConfigFile(argv.config as string | undefined, cwd);
  const fromFile = file ? await loadConfigFile(file) : {};
  const merged = mergeConfig(fromFile, configFromFlags(argv, cwd, warn));
  if (merged.imageDir === undefined && !file) {
    throw new ConfigError('no retrain.config.ts here and no --image_dir given: nothing to train on');
  }
  const raw = validateConfig(merged, file ?? 'command line', flagSources(argv));
  const baseDir = file ? path.dirname(file) : cwd;
  const config = resolveConfig(raw, baseDir);
  if (raw.workers !== undefined && raw.workers > config.workers) {
    warn(`${flagSources(argv).get('workers') ?? `workers ${raw.workers}`}: this machine has ${config.workers} ${config.workers === 1 ? 'core' : 'cores'}; using ${config.workers} worker ${config.workers === 1 ? 'thread' : 'threads'} (each holds a copy of the model)`);
  }
  return { config, file, raw, baseDir };
}
