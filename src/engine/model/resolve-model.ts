import fs from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { modelsDirs } from '../../config/models-dirs.js';
import type { ModelOptions } from '../../config/define-config.js';
import { downloadModel, downloadOnnxModel } from './download-model.js';
import { isModelPath } from '../../config/model-reference.js';
import { findKnownModel, KNOWN_MODELS } from './registry.js';

export class ModelError extends Error {
  override name = 'ModelError';
}

/** A model reference turned into a local TF.js model (model.json and its weight files) or ONNX file. */
export interface ResolvedModel {
  /** What the user asked for (name, path or URL), for messages and the export manifest. */
  source: string;
  /** `tfjs`: a TF.js model.json; `onnx`: an ONNX ModelProto file. */
  format: 'tfjs' | 'onnx';
  /** Absolute path of the model's main file: model.json (weight files beside it) or the `.onnx` file. */
  modelJson: string;
  options: ModelOptions;
}

/**
 * Resolves a registry name, folder, `file://` URL or http(s) URL to a local model folder.
 * Options given by the user win over the registry's. A registry name is looked up in `searchDirs` (the
 * config's `modelsDirs`; by default `../shared/models` beside the working folder).
 */
export async function resolveModel(
  ref: string,
  userOptions: ModelOptions,
  cacheDir: string,
  searchDirs: readonly string[] = modelsDirs([], process.cwd(), process.cwd()),
): Promise<ResolvedModel> {
  const known = findKnownModel(ref);
  if (known) {
    const file = known.file ?? 'model.json';
    const dir = searchDirs.map((d) => path.join(d, known.folder)).find((d) => existsSync(path.join(d, file)));
    if (!dir) {
      const where = searchDirs.map((d) => path.join(d, known.folder, file)).join(', ');
      throw new ModelError(
        `model "${ref}": not found (looked for ${where}); ` +
          (known.url ? `download it from ${known.url} and ` : '') +
          `name the folder holding ${known.folder}/ with --models-dir, modelsDir in the config or RETRAIN_MODELS_DIR, or give --model a folder or .onnx file`,
      );
    }
    return { source: ref, format: formatOf(file), modelJson: path.join(dir, file), options: withUserOptions(known.options, userOptions) };
  }
  if (/^https?:\/\//i.test(ref) && isOnnxName(new URL(ref).pathname)) {
    const file = await downloadOnnxModel(ref, path.join(cacheDir, 'models'));
    return { source: ref, format: 'onnx', modelJson: file, options: userOptions };
  }
  if (/^https?:\/\//i.test(ref)) {
    const modelJson = await downloadModel(ref, path.join(cacheDir, 'models'));
    return { source: ref, format: 'tfjs', modelJson, options: userOptions };
  }
  if (/^file:\/\//i.test(ref)) return localModel(ref, fileURLToPath(ref), userOptions);
  if (isModelPath(ref)) return localModel(ref, path.resolve(ref), userOptions);
  throw new ModelError(
    `unknown model "${ref}": use one of ${KNOWN_MODELS.map((m) => m.name).join(', ')}, a folder with model.json or model.onnx, an .onnx file, or a URL`,
  );
}

async function localModel(source: string, target: string, options: ModelOptions): Promise<ResolvedModel> {
  const isFile = target.endsWith('.json') || isOnnxName(target);
  const dir = isFile ? path.dirname(target) : target;
  let modelJson = isFile ? target : path.join(dir, 'model.json');
  if (!isFile && !existsSync(modelJson) && existsSync(path.join(dir, 'model.onnx'))) modelJson = path.join(dir, 'model.onnx');
  try {
    await fs.access(modelJson);
  } catch {
    if (!existsSync(isFile ? target : dir)) {
      throw new ModelError(
        `model "${source}": no such ${isFile ? 'file' : 'folder'} ${isFile ? target : dir}; give --model a folder with model.json or model.onnx, an .onnx file, or a registry name (retrain models lists them)`,
      );
    }
    // A file that is not a model (`--model photo.jpg`): it was read as a folder ("photo.jpg/model.json not found").
    if (!isFile && !statSync(dir).isDirectory()) {
      throw new ModelError(`model "${source}": ${dir} is a file, not a model; give --model a folder with model.json or model.onnx, an .onnx file, or a registry name (retrain models lists them)`);
    }
    throw new ModelError(`model "${source}": ${modelJson} not found${isFile ? '' : ' (nor model.onnx)'}`);
  }
  const known = KNOWN_MODELS.find((m) => path.basename(dir) === m.folder && path.basename(modelJson) === (m.file ?? 'model.json'));
  return { source, format: formatOf(modelJson), modelJson, options: withUserOptions(known?.options ?? {}, options) };
}

/** The registry's options overridden by the user's; a user's `range` replaces a registry's `mean`/`std` and back. */
function withUserOptions(known: ModelOptions, user: ModelOptions): ModelOptions {
  const { mean, std, range, ...rest } = known;
  const scaling = user.range || user.mean ? {} : { mean, std, range };
  return Object.fromEntries(Object.entries({ ...rest, ...scaling, ...user }).filter(([, v]) => v !== undefined)) as ModelOptions;
}

function isOnnxName(file: string): boolean {
  return /\.onnx$/i.test(file);
}

function formatOf(file: string): ResolvedModel['format'] {
  return isOnnxName(file) ? 'onnx' : 'tfjs';
}
