import path from 'node:path';

/** A URL with a scheme (`https://…`, `file://…`): passed through as it is, never treated as a path. */
export function isUrl(ref: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(ref);
}

/**
 * A model reference that names a folder or file (not a URL, not a registry name). A bare file name of a model
 * (`model.onnx`, `model.json`) is a file here: no registry name ends that way.
 */
export function isModelPath(ref: string): boolean {
  return !isUrl(ref) && (ref.startsWith('.') || ref.startsWith('/') || ref.includes('/') || ref.includes(path.sep) || /\.(onnx|json)$/i.test(ref));
}
