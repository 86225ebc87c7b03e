import type { ResizeMode } from '../../config/define-config.js';

/**
 * What a model contributes to a bottleneck's cache key, worked out from its files alone (no TensorFlow):
 * the fingerprint of weights + feature layer + pooling, and the preprocessing (size, value range, recipe).
 */
export interface ModelIdentity {
  fingerprint: string;
  inputSize: [number, number];
  range: [number, number];
  /** ONNX models normalised torchvision-style instead of by `range`: (x / 255 − mean) / std per channel. */
  mean?: [number, number, number];
  std?: [number, number, number];
  resize: ResizeMode;
  preprocessId: string;
  /** Names of the model's layers, or an ONNX graph's tensors (to check names against before any work). */
  layerNames: string[];
}
