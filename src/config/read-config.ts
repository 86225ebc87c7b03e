import { statSync } from 'node:fs';
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
  // The config file's modelsDir (the flag and RETRAIN_MODELS_DIR, which win over it, are checked by the CLI): a
  // folder that is not there was passed over for ../shared/models without a word.
  if (file && argv['models-dir'] === undefined && fromFile.modelsDir !== undefined) checkModelsDirs([raw.modelsDir ?? []].flat(), baseDir, file);
  const config = resolveConfig(raw, baseDir);
  if (raw.workers !== undefined && raw.workers > config.workers) {
    warn(`${flagSources(argv).get('workers') ?? `workers ${raw.workers}`}: this machine has ${config.workers} ${config.workers === 1 ? 'core' : 'cores'}; using ${config.workers} worker ${config.workers === 1 ? 'thread' : 'threads'} (each holds a copy of the model)`);
  }
  return { config, file, raw, baseDir };
}

/** Refuses a modelsDir of the config file that is not there or not a folder, naming the file and the path. */
function checkModelsDirs(dirs: readonly string[], baseDir: string, file: string): void {
  for (const dir of dirs) {
    const folder = path.resolve(baseDir, dir);
    const stat = statSync(folder, { throwIfNoEntry: false });
    if (!stat?.isDirectory()) {
      throw new ConfigError(`${file}: modelsDir ${folder}: ${stat ? 'not a folder' : 'no such folder'}; give the folder that holds the model folders (such as mobilenet_v2_035_224/)`);
    }
  }
}
