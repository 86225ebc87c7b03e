/**
 * The shape of `retrain.config.ts`. Every field is optional except `imageDir`;
 * defaults match the original retrain.py unless noted.
 */
export interface RetrainConfig {
  /** Root folder(s) with one sub-folder per class. Several roots merge classes of the same folder name. */
  imageDir: string | string[];
  /**
   * Feature extractor: a registry name (see `retrain models`), a local folder with `model.json`,
   * a `file://` URL or an http(s) URL to a `model.json` (downloaded once into the cache dir).
   * Default: the environment variable RETRAIN_MODEL, else `mobilenet_v2_035_224` looked up in RETRAIN_SHARED/models.
   */
  model?: string;
  /** Overrides for a model the registry does not know. */
  modelOptions?: ModelOptions;
  split?: {
    /** Percent of images used for validation. Default 10. */
    validationPercentage?: number;
    /** Percent of images used for the final test. Default 10. */
    testingPercentage?: number;
  };
  train?: {
    /** Training steps (original: how_many_training_steps). Default 4000. */
    steps?: number;
    /** Plain SGD learning rate. Default 0.01. */
    learningRate?: number;
    /** Images per training step, sampled class-balanced with replacement. Default 100. */
    batchSize?: number;
    /** Log train/validation accuracy every N steps (and on the last). Default 10. */
    evalStepInterval?: number;
    /** Validation images per evaluation; -1 means the whole validation set. Default 100. */
    validationBatchSize?: number;
    /** Test images for the final evaluation; -1 means the whole test set. Default -1. */
    testBatchSize?: number;
    /**
     * Start from the exported model's head instead of random weights when the classes and model are
     * unchanged (useful in `retrain watch`). Results then depend on the previous build. Default false.
     */
    warmStart?: boolean;
  };
  /**
   * Distortions of training images (the original's flags, in percent). Unlike the original, each training image
   * gets `variants` distorted versions whose bottlenecks are computed once and cached; validation and test
   * images are never distorted. Default: none.
   */
  distortions?: {
    flipLeftRight?: boolean;
    randomCrop?: number;
    randomScale?: number;
    randomBrightness?: number;
    /** Distorted variants per training image. Default 5. */
    variants?: number;
  };
  /**
   * Options for the new head beyond the original's (which has none of them). Any of them moves training
   * from the exact plain-SGD trainer to a TensorFlow.js one. Default: none, as the original.
   */
  head?: HeadOptions;
  /** Seed for weight initialisation and batch sampling. Same inputs + config + seed = same head. Default 0. */
  seed?: number;
  /** Where bottlenecks, hashes and trained heads are cached (LMDB). Default `.retrain-cache`. */
  cacheDir?: string;
  /** Folder the exported model is written to (atomically replaced). Default `retrain-output`. */
  outputDir?: string;
  /** Also write the labels file here (original: output_labels). */
  outputLabels?: string;
  /** Name of the softmax output layer of the exported model. Default `final_result`. */
  finalTensorName?: string;
  /** Print each misclassified test image with its predicted label. Default false. */
  printMisclassifiedTestImages?: boolean;
  /** Add the audit (likely label errors, duplicates, outliers, confused classes) to report.html: 5 more head trainings per export. Default false. */
  reportAudit?: boolean;
  /** Folder for TensorBoard summaries (original: summaries_dir). */
  summariesDir?: string;
  /** Bottleneck worker threads. Default: one per core. */
  workers?: number;
  /** Images per inference call inside a worker. Default 4. */
  inferenceBatchSize?: number;
  /**
   * What computes bottlenecks: `onnx` runs the model converted to ONNX on onnxruntime-node (an optional
   * dependency); `node`, `wasm` and `cpu` are TensorFlow.js backends. `auto` (default) uses onnx when
   * onnxruntime-node loads and the model converts, else tfjs-node when it loads, else wasm. Training with
   * head options and the export use TensorFlow.js (tfjs-node if it loads, else wasm, unless one is named).
   */
  backend?: 'auto' | 'onnx' | 'node' | 'wasm' | 'cpu';
  /**
   * Named experiments for `retrain experiment`: each overrides parts of this config (model, training,
   * distortions, split, seed…). They share every cached bottleneck.
   */
  experiments?: Record<string, ExperimentOverrides>;
  /**
   * A grid of experiments: every combination of the listed values, e.g.
   * `{ 'train.learningRate': [0.01, 0.1], 'distortions.flipLeftRight': [false, true] }`.
   */
  experimentGrid?: Record<string, Array<string | number | boolean>>;
}

/** What an experiment may change. */
export type ExperimentOverrides = Omit<RetrainConfig, 'imageDir' | 'cacheDir' | 'outputDir' | 'experiments' | 'experimentGrid'>;

export type ResizeMode = 'crop' | 'stretch';

export interface HeadOptions {
  /** `sgd` (the original), `momentum` (0.9) or `adam`. Default `sgd`. */
  optimizer?: 'sgd' | 'momentum' | 'adam';
  /** L2 penalty on the weights (not biases). Default 0. */
  l2?: number;
  /** Label smoothing of the cross entropy targets, 0..1. Default 0. */
  labelSmoothing?: number;
  /** Stop when the validation loss has not improved for this many evaluations, keeping the best weights. */
  earlyStoppingPatience?: number;
  /** Loss weight per class: `balanced` (inverse to the class's training images) or label → weight. */
  classWeights?: 'balanced' | Record<string, number>;
  /** A hidden ReLU layer of this many units before the softmax. Default 0 (none). */
  hiddenUnits?: number;
  /** Dropout rate on the hidden layer while training, 0..1. Default 0. */
  dropout?: number;
}

export interface ModelOptions {
  /** Input height and width in pixels. */
  inputSize?: [number, number];
  /** Pixel value range the network expects, e.g. [-1, 1] or [0, 1]. */
  range?: [number, number];
  /** Name of the layer whose output is the feature vector. Default: the model's output. */
  featureLayer?: string;
  /** Global average pooling over the feature layer when it is spatial. Default: `avg` when needed. */
  pooling?: 'avg' | 'none';
  /**
   * How an image is fitted to the input size: `crop` keeps the aspect ratio and cuts the centre (how ImageNet
   * backbones were trained; clearly more accurate here), `stretch` squeezes the whole image (the original's
   * behaviour). Default `crop`.
   */
  resize?: ResizeMode;
}

/** Identity function that gives `retrain.config.ts` its types, like Vite's `defineConfig`. */
export function defineConfig(config: RetrainConfig): RetrainConfig {
  return config;
}
