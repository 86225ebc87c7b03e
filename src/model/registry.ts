import type { ModelOptions } from '../config/define-config.js';

/** What the tool knows about a named feature extractor. */
export interface KnownModel {
  name: string;
  description: string;
  /** Folder name looked up under each models directory (RETRAIN_MODELS_DIR, then ../shared/models). */
  folder: string;
  /** Where a user with internet can get it, when known. */
  url?: string;
  options: Required<Pick<ModelOptions, 'inputSize' | 'range'>> & Pick<ModelOptions, 'featureLayer' | 'pooling'>;
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
];

export function findKnownModel(name: string): KnownModel | undefined {
  return KNOWN_MODELS.find((m) => m.name === name);
}
