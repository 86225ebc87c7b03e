import { foldModel } from '../model/fold-batch-norm.js';
import { CONVERSION_VERSION } from '../../store/keys.js';
import type { ModelFiles } from '../model/read-model-files.js';
import { isGraphModel } from '../model/weights-manifest.js';
import { kerasToOnnx, OnnxConversionError, type ConversionOptions } from './keras-to-onnx.js';
import { encodeOnnxModel } from './onnx-model.js';

// CONVERSION_VERSION (src/store/keys.ts) is bumped whenever the conversion changes what the graph computes.

/**
 * A TF.js layers model's files as an ONNX feature graph (encoded ModelProto): batch norm folded into the
 * convolutions first, as the TF.js extractor does, so both engines run the same arithmetic.
 */
export function convertModelFiles(files: ModelFiles, options: ConversionOptions): Uint8Array {
  if (isGraphModel(files.json)) throw new OnnxConversionError('TF.js graph models have no ONNX conversion');
  const folded = foldModel(files.artifacts, options.featureLayer);
  if (!folded) throw new OnnxConversionError('only plain float32 weights convert (this model has quantized or other weights)');
  const graph = kerasToOnnx(folded.topology, folded.weights, { ...options, featureLayer: folded.featureLayer });
  return encodeOnnxModel(graph, { name: 'retrain', version: CONVERSION_VERSION });
}
