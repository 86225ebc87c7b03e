import path from 'node:path';
import { modelsDirs } from '../config/models-dirs.js';

/** RETRAIN_MODELS_DIR (a path list, `:`-separated) as the folders of `--models-dir`. */
function fromEnv(env: NodeJS.ProcessEnv): string[] {
  return (env.RETRAIN_MODELS_DIR ?? '').split(path.delimiter).map((d) => d.trim()).filter(Boolean);
}

/**
 * RETRAIN_MODELS_DIR stands in for `--models-dir` when the flag is not given (the flag wins; either wins over
 * `modelsDir` in the config file). Relative folders are relative to the working folder.
 */
export function withModelsEnv<T extends Record<string, unknown>>(argv: T, env: NodeJS.ProcessEnv = process.env): T {
  const dirs = fromEnv(env);
  if (argv['models-dir'] !== undefined || dirs.length === 0) return argv;
  return { ...argv, 'models-dir': dirs };
}

/** Where a command without a config (`models`, `worker`) looks up registry names: `--models-dir`, else RETRAIN_MODELS_DIR, then ../shared/models. */
export function commandModelsDirs(flag: unknown, cwd: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const named = flag === undefined ? fromEnv(env) : [flag].flat().map(String);
  return modelsDirs(named, cwd, cwd);
}
