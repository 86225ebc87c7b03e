import type { ModelOptions } from '../../config/define-config.js';

/** What the tool knows about a named feature extractor. */
export interface KnownModel {
  name: string;
  description: string;
  /** Folder name looked up under each models directory (RETRAIN_MODELS_DIR, then ../shared/models). */
  folder: string;
  /** Where a user with internet can get it, when known. */
  url?: string;
  /** The model's main file in that folder: `model.json` (TF.js) unless said otherwise (`model.onnx`). */
  file?: string;
  options: ModelOptions;
}

export const KNOWN_MODELS: readonly KnownModel[] = [
  {
    name: 'mobilenet_v2_035_224',
    description: 'ImageNet MobileNetV2 (alpha 0.35) feature vector, 1280-d, input 224x224 in [-1, 1]',
    folder: 'mobilenet_v2_035_224',
    options: { inputSize: [224, 224], range: [-1, 1] },
  },
  {
    name: 'darknet_tiny_224',
    description: 'Darknet tiny ImageNet classifier cut at leaky_re_lu_14 and average-pooled, 512-d, input 224x224 in [0, 1]',
    folder: 'darknet_tiny_224',
    options: { inputSize: [224, 224], range: [0, 1], featureLayer: 'leaky_re_lu_14', pooling: 'avg' },
  },
  {
    name: 'mobilenet_v2_100_224_int8',
    description:
      'ImageNet MobileNetV2 1.0, 8-bit quantized ONNX classifier (ONNX Model Zoo) cut at its pooled features, 1280-d, NCHW input 224x224 with ImageNet mean/std',
    folder: 'mobilenet_v2_100_224_int8',
    file: 'model.onnx',
    // torchvision evaluates ImageNet on the central 224 of the image resized to 256: the same crop here.
    options: { inputName: 'input', layout: 'nchw', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: 'central-crop' },
  },
  {
    name: 'mobilenet_v1_075_224',
    description: 'ImageNet MobileNet v1 (alpha 0.75) cut at global_average_pooling2d_1, 768-d, input 224x224 in [-1, 1]',
    folder: 'mobilenet_v1_075_224',
    // `crop`, not TF-slim's central 87.5%: 5-fold CV on hymenoptera train/ gave 94.7% against 94.3% (bench/feature-probe.ts).
    options: { inputSize: [224, 224], range: [-1, 1], featureLayer: 'global_average_pooling2d_1' },
  },
];

export function findKnownModel(name: string): KnownModel | undefined {
  return KNOWN_MODELS.find((m) => m.name === name);
}
