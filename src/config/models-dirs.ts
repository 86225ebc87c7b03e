import path from 'node:path';

/**
 * The folders a registry name (`mobilenet_v2_035_224`) is looked up in, in order: the ones named (`modelsDir`
 * in the config, `--models-dir`, or RETRAIN_MODELS_DIR, which the CLI reads), then `../shared/models` beside
 * the project (the config file's folder) and beside the working folder. Never a path inside the installed
 * package: installed under node_modules, that would be `node_modules/shared/models`.
 */
export function modelsDirs(named: readonly string[], baseDir: string, cwd: string): string[] {
  const dirs = [...named.map((d) => path.resolve(baseDir, d)), path.resolve(baseDir, '../shared/models'), path.resolve(cwd, '../shared/models')];
  return [...new Set(dirs)];
}
