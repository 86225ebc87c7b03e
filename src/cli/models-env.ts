import { statSync } from 'node:fs';
import path from 'node:path';
import { modelsDirs } from '../config/models-dirs.js';

/** RETRAIN_MODELS_DIR (a path list, `:`-separated) as the folders of `--models-dir`. */
function fromEnv(env: NodeJS.ProcessEnv): string[] {
  return (env.RETRAIN_MODELS_DIR ?? '').split(path.delimiter).map((d) => d.trim()).filter(Boolean);
}

/** The folders `--models-dir` names (yargs makes a repeated flag a list). */
function fromFlag(flag: unknown): string[] {
  return [flag].flat().map(String);
}

/**
 * Refuses a models folder that is not there or not a folder, naming how it was given (`--models-dir /x: no
 * such folder`, exit 2; `RETRAIN_MODELS_DIR=/x: …`, exit 1): a mistyped folder would otherwise be passed over
 * for ../shared/models without a word.
 */
function checkFolders(dirs: readonly string[], source: '--models-dir' | 'RETRAIN_MODELS_DIR', cwd: string): void {
  for (const dir of dirs) {
    const stat = statSync(path.resolve(cwd, dir), { throwIfNoEntry: false });
    if (stat?.isDirectory()) continue;
    const named = source === '--models-dir' ? `--models-dir ${dir}` : `RETRAIN_MODELS_DIR=${dir}`;
    const error = new Error(`${named}: ${stat ? 'not a folder' : 'no such folder'}; give the folder that holds the model folders (such as mobilenet_v2_035_224/)`);
    throw Object.assign(error, { usage: source === '--models-dir' });
  }
}

/**
 * RETRAIN_MODELS_DIR stands in for `--models-dir` when the flag is not given (the flag wins; either wins over
 * `modelsDir` in the config file). Relative folders are relative to the working folder. The folders used
 * must exist.
 */
export function withModelsEnv<T extends Record<string, unknown>>(argv: T, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): T {
  if (argv['models-dir'] !== undefined) {
    checkFolders(fromFlag(argv['models-dir']), '--models-dir', cwd);
    return argv;
  }
  const dirs = fromEnv(env);
  if (dirs.length === 0) return argv;
  checkFolders(dirs, 'RETRAIN_MODELS_DIR', cwd);
  return { ...argv, 'models-dir': dirs };
}

/** Where a command without a config (`models`, `worker`) looks up registry names: `--models-dir`, else RETRAIN_MODELS_DIR, then ../shared/models. */
export function commandModelsDirs(flag: unknown, cwd: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const named = flag === undefined ? fromEnv(env) : fromFlag(flag);
  checkFolders(named, flag === undefined ? 'RETRAIN_MODELS_DIR' : '--models-dir', cwd);
  return modelsDirs(named, cwd, cwd);
}
