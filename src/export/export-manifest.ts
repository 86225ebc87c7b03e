import type { ResizeMode } from '../config/define-config.js';
/** `manifest.json` of an exported model: everything needed to use it without this tool's config. */
export interface ExportManifest {
  format: 'retrain-model@1';
  /** Fingerprint of everything the export was made from; an unchanged build skips the export. */
  buildFingerprint: string;
  /** The head's key in the cache: lets a warm start find these weights. */
  headFingerprint: string;
  /** Identity of the data and settings the head was trained on: a warm start with the same is up to date. */
  trainingFingerprint: string;
  model: { source: string; fingerprint: string; featureLayer?: string; featureSize: number };
  input: {
    /** [height, width] the images are resized to (bilinear). */
    size: [number, number];
    /** `crop`: centre crop at the input's aspect ratio, then resize; `central-crop`: the central 87.5% of that square (224 of 256), then resize; `stretch`: resize the whole image. */
    resize: ResizeMode;
    /** The exported model takes RGB pixel values in this range and rescales them itself. */
    range: [0, 255];
    /** The range the backbone itself was trained with, applied inside the model. */
    backboneRange: [number, number];
    /** Or the backbone's torchvision-style normalisation, applied inside the model. */
    mean?: [number, number, number];
    std?: [number, number, number];
  };
  outputName: string;
  /** The TF.js layers model (model.json + weights.bin), when the backbone is a TF.js model. */
  tfjs?: { file: 'model.json' };
  /**
   * The ONNX classifier: feed `input.name`, uint8 RGB pixels [batch, height, width, 3] (the image resized as
   * `input.resize` says; all scaling happens inside), read the softmax probabilities under `output`.
   */
  onnx?: {
    file: string;
    input: { name: string; type: 'uint8'; shape: ['batch', number, number, 3]; layout: 'NHWC'; channels: 'RGB' };
    output: string;
  };
  labels: string[];
  metrics: {
    testAccuracy: number | null;
    testCount: number;
    validationAccuracy: number | null;
    trainingCounts: Record<string, number>;
  };
  configHash: string;
  createdAt: string;
  /** SHA-256 of each model file (model.json, weights.bin, model.onnx, labels.txt) as exported: a damaged file is found and exported again. */
  files?: Record<string, string>;
}

/** File names inside an exported model folder (beside model.json and weights.bin). */
export const LABELS_FILE = 'labels.txt';
export const MANIFEST_FILE = 'manifest.json';
/** The portable ONNX classifier every export holds. */
export const ONNX_FILE = 'model.onnx';
