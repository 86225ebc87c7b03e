/**
 * onnxruntime-node, an optional dependency: loaded on demand (never imported statically, so the tool
 * builds and runs without it) and typed by the few members used here.
 */
import { createRequire } from 'node:module';
import { BackendError } from '../model/backend.js';

export interface OrtTensor {
  data: unknown;
  dims: readonly number[];
  type?: string;
}

export interface OrtSession {
  readonly inputNames?: readonly string[];
  readonly outputNames?: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface OnnxRuntime {
  InferenceSession: {
    create(model: string | Uint8Array, options?: Record<string, unknown>): Promise<OrtSession>;
  };
  Tensor: new (type: 'uint8' | 'float32', data: Uint8Array | Float32Array, dims: readonly number[]) => OrtTensor;
}

const PACKAGE = 'onnxruntime-node';
let loading: Promise<OnnxRuntime | string> | undefined;

/** The onnxruntime-node module, or the one-line reason it does not load here. Loaded once per thread. */
export function loadOnnxRuntime(): Promise<OnnxRuntime | string> {
  loading ??= import(PACKAGE).then(
    (module: { default?: OnnxRuntime } & OnnxRuntime) => module.default ?? module,
    (error: Error) => (error.message ?? String(error)).split('\n')[0]!,
  );
  return loading;
}

/** The onnxruntime-node module; a BackendError saying why when it does not load (for `--backend onnx`). */
export async function requireOnnxRuntime(): Promise<OnnxRuntime> {
  const ort = await loadOnnxRuntime();
  if (typeof ort === 'string') throw new BackendError(`backend "onnx": onnxruntime-node does not load here (${ort}); use --backend wasm`);
  return ort;
}

/** The installed onnxruntime-node version, read from its package.json (without loading the runtime). */
export function onnxRuntimeVersion(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return (require(`${PACKAGE}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}
