import type { RetrainConfig } from './define-config.js';
import { resolveConfig as fillDefaults, type ResolvedConfig } from './resolved-config.js';
import { validateConfig } from './schema.js';

/**
 * The library's way from a config object to what `build` takes: validated (a ConfigError with one line
 * naming the field and what is wrong), every default filled in, every path made absolute against `baseDir`
 * (the folder relative paths are relative to, as a config file's own folder is for the CLI).
 */
export function resolveConfig(config: RetrainConfig, baseDir: string): ResolvedConfig {
  return fillDefaults(validateConfig(config, 'config'), baseDir);
}
