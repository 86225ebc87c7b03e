import type { TfBackendChoice } from '../engine/model/backend.js';
import type { ExportFormat } from '../export/load-classifier.js';

/** `--backend` of `predict` and `eval`: a TensorFlow.js backend for the TF.js model, or `onnx` for model.onnx on onnxruntime. */
export const CLASSIFIER_BACKENDS = ['auto', 'onnx', 'node', 'wasm', 'cpu'];

/**
 * Which file of an export to run, and on what: `--backend onnx` runs `model.onnx` on onnxruntime-node (as
 * `--format onnx` does); the other backends run the TF.js model (or model.onnx when the export has no TF.js
 * model). `--backend onnx --format tfjs` asks for two things at once: one usage line.
 */
export function classifierChoice(argv: { backend?: unknown; format?: unknown }): { format?: ExportFormat; tfBackend?: TfBackendChoice } {
  const format = argv.format as ExportFormat | undefined;
  if (argv.backend !== 'onnx') return { format, tfBackend: (argv.backend ?? 'auto') as TfBackendChoice };
  if (format === 'tfjs') {
    const error = new Error('--backend onnx --format tfjs: onnx runs the export\'s model.onnx; for the TF.js model use --backend auto, node, wasm or cpu');
    throw Object.assign(error, { usage: true });
  }
  return { format: 'onnx' };
}
