import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { createJiti as CreateJiti } from 'jiti';
import type { RetrainConfig } from './define-config.js';
import { ConfigError } from './config-error.js';
import { configLoadError } from './config-load-error.js';
import { configSnapshot } from './config-snapshot.js';

/** Config file names looked for in the working folder, in order. */
export const CONFIG_FILE_NAMES = ['retrain.config.ts', 'retrain.config.mts', 'retrain.config.js', 'retrain.config.mjs'];

/** What a named config file may be: TypeScript, JavaScript or JSON (jiti loads each). */
const CONFIG_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'];

/** The config file to use: the one named, else the first default name in `cwd`, else none. */
export function findConfigFile(named: string | undefined, cwd: string): string | undefined {
  if (named) {
    const file = path.resolve(cwd, named);
    if (!existsSync(file)) throw new ConfigError(`${file}: config file not found`);
    if (statSync(file).isDirectory()) {
      const inside = CONFIG_FILE_NAMES.map((name) => path.join(file, name)).find((f) => statSync(f, { throwIfNoEntry: false })?.isFile());
      throw new ConfigError(`${file}: is a folder, not a config file; ${inside ? `did you mean --config ${inside}?` : 'name a config file (retrain.config.ts)'}`);
    }
    // Any other file (`--config photo.jpg`, `notes.txt`) failed inside Node's loader: `cannot load config (TypeError:
    // Unknown file extension ".txt" …) at /modules/esm/get_format:189:9`.
    if (!CONFIG_EXTENSIONS.includes(path.extname(file).toLowerCase())) {
      throw new ConfigError(`${file}: not a config file (it must end in ${CONFIG_EXTENSIONS.join(', ')}); name a config file (retrain.config.ts)`);
    }
    return file;
  }
  return CONFIG_FILE_NAMES.map((name) => path.join(cwd, name)).find((file) => existsSync(file));
}

/** This package's entry point: what a config's `import { defineConfig } from 'retrain'` means, wherever the config lives. */
const PACKAGE_ENTRY = fileURLToPath(new URL('../index.js', import.meta.url));

/** Loads a TypeScript or JavaScript config file (its default export) with jiti; no build step needed. */
export async function loadConfigFile(file: string): Promise<Partial<RetrainConfig>> {
  // jiti's CommonJS entry, loaded when a config file is: the same createJiti as its ES module entry, which
  // would make Node scan jiti's whole 190 kB bundle for named exports at every start.
  const { createJiti } = createRequire(import.meta.url)('jiti') as { createJiti: typeof CreateJiti };
  // fsCache: the transpiled config is kept (in jiti's folder under the system temp folder) and used again
  // while the file's content is unchanged, so a rebuild does not pay for transpiling TypeScript each time.
  const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: true, alias: { retrain: PACKAGE_ENTRY } });
  let loaded: unknown;
  try {
    loaded = await jiti.import(file, { default: true });
  } catch (error) {
    // `export default null` (or undefined): jiti's default interop reads `.then` of it and throws a TypeError
    // naming jiti's caller, this file (`cannot load config (TypeError: Cannot read properties of null …) at
    // …/load-config.js:42:18`). The module itself loads: say what is wrong with its default export.
    if (error instanceof TypeError && (await hasEmptyDefault(createJiti, file))) loaded = undefined;
    else throw configLoadError(file, error);
  }
  if (!loaded || typeof loaded !== 'object') {
    throw new ConfigError(`${file}: the default export must be a config object (export default defineConfig({...}))`);
  }
  // Every property read now, so a getter that throws is reported with the file's name (and the property's).
  return configSnapshot(loaded, (error, at) => {
    throw configLoadError(file, propertyError(error, at));
  }) as Partial<RetrainConfig>;
}

/**
 * What reading the property `at` threw, its message starting with the property (`train: boom`), with the stack
 * of the error thrown (where in the config file), none for a thrown non-error (`throw 'boom'`).
 */
function propertyError(error: unknown, at: string): Error {
  const named = new Error(`${at || 'the default export'}: ${error instanceof Error ? error.message : String(error)}`);
  named.name = error instanceof Error ? error.name : 'Error';
  named.stack = error instanceof Error ? error.stack : '';
  return named;
}

/** Whether the module loads and its default export is null or undefined (read without jiti's default interop). */
async function hasEmptyDefault(createJiti: typeof CreateJiti, file: string): Promise<boolean> {
  const plain = createJiti(import.meta.url, { moduleCache: false, fsCache: true, interopDefault: false, alias: { retrain: PACKAGE_ENTRY } });
  try {
    const module = (await plain.import(file)) as { default?: unknown } | null;
    return module !== null && typeof module === 'object' && 'default' in module && (module.default === null || module.default === undefined);
  } catch {
    return false;
  }
}
