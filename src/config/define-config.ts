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
   * Default: the environment variable RETRAIN_MODEL, else `mobilenet_v2_035_224`; registry names are looked up as `modelsDir` says.
   */
  model?: string;
  /** Overrides for a model the registry does not know. */
  modelOptions?: ModelOptions;
  /**
   * Folder(s) holding the registry's models (`<folder>/mobilenet_v2_035_224/model.json`), searched before
   * `../shared/models` beside this file and beside the working folder. Also `--models-dir` or RETRAIN_MODELS_DIR.
   */
  modelsDir?: string | string[];
  split?: {
    /** Percent of images used for validation. Default 10. */
    validationPercentage?: number;
    /** Percent of images used for the final test. Default 10. */
    testingPercentage?: number;
  };
  train?: {
    /** Training steps (original: how_many_training_steps). Default 4000. */
    steps?: number;
    /** Plain SGD learning rate. Default 0.01; 0.1 for the registry's darknet_tiny_224 and mobilenet_v1_075_224 with the default head (no `head` options; chosen by cross-validation). */
    learningRate?: number;
    /**
     * How the (plain) head is trained: `'sgd'`, the original's plain SGD for `steps` steps at `learningRate`;
     * `'lbfgs'`, L2-regularised logistic regression fitted to convergence by L-BFGS, the L2 strength chosen
     * by 5-fold cross-validation on the training images (or `l2`); `steps`, `learningRate` and `batchSize`
     * are then unused. Default `'sgd'`.
     */
    solver?: 'sgd' | 'lbfgs';
    /** The `'lbfgs'` solver's L2 strength (on the mean class-balanced loss); default: chosen by cross-validation. */
    l2?: number;
    /** Images per training step, sampled class-balanced with replacement. Default 100, at most 65536. */
    batchSize?: number;
    /** Log train/validation accuracy every N steps (and on the last). Default 10. */
    evalStepInterval?: number;
    /** Validation images per evaluation; -1 means the whole validation set. Default 100, at most 65536. */
    validationBatchSize?: number;
    /** Test images for the final evaluation; -1 means the whole test set. Default -1, at most 65536. */
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
  /**
   * How class folder names become labels: `unicode` keeps letters of every script (`Abeille_été` →
   * `abeille été`; ASCII names get the original's labels, lower-cased, punctuation as one space, ends
   * trimmed), `original` is retrain.py's rule exactly (non-ASCII letters become spaces). Default `unicode`.
   */
  labels?: 'unicode' | 'original';
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
   * A shared cache behind the local one, on an S3 API store: `s3://bucket/prefix`. Endpoint, region and
   * credentials come from the AWS SDK's standard chain (AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, …).
   * Also `--remote-cache` or RETRAIN_REMOTE_CACHE.
   */
  remoteCache?: string;
  /** Read the remote cache, never write it (untrusted machines). Default false. */
  remoteCacheReadOnly?: boolean;
  /** Fail when the remote cache cannot be used, instead of building locally. Default false. */
  remoteCacheRequired?: boolean;
  /**
   * `i/N`: `retrain build` computes shard i (from 0) of N of the missing bottlenecks into the remote cache and
   * stops (no training), for a CI matrix or a Kubernetes Indexed Job. Also `--shard`.
   */
  shard?: string;
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
export type ExperimentOverrides = Omit<RetrainConfig, 'imageDir' | 'cacheDir' | 'outputDir' | 'experiments' | 'experimentGrid' | 'remoteCache' | 'remoteCacheReadOnly' | 'remoteCacheRequired' | 'shard'>;

export type ResizeMode = 'crop' | 'central-crop' | 'stretch';

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
  /**
   * Name of the layer (TF.js) or tensor (ONNX: any tensor of the graph) whose output is the feature vector.
   * Default: the model's output; for an ONNX classifier, the pooled features feeding its final classification layer.
   */
  featureLayer?: string;
  /** ONNX: torchvision-style normalisation, (x / 255 − mean) / std per RGB channel (instead of `range`). */
  mean?: [number, number, number];
  std?: [number, number, number];
  /** ONNX: name of the image input (needed only when the graph has several inputs). */
  inputName?: string;
  /** ONNX: layout of the image input, `nchw` or `nhwc`. Read from the graph when its channel axis is fixed at 3. */
  layout?: 'nchw' | 'nhwc';
  /** Global average pooling over the feature layer when it is spatial. Default: `avg` when needed. */
  pooling?: 'avg' | 'none';
  /**
   * How an image is fitted to the input size: `crop` keeps the aspect ratio and cuts the centre (how ImageNet
   * backbones were trained; clearly more accurate here), `stretch` squeezes the whole image (the original's
   * behaviour), `central-crop` keeps only the central 87.5% of the square centre crop (224 of 256, as
   * torchvision's and TF-slim's ImageNet evaluation do). Default `crop`.
   */
  resize?: ResizeMode;
}

/** Identity function that gives `retrain.config.ts` its types, like Vite's `defineConfig`. */
export function defineConfig(config: RetrainConfig): RetrainConfig {
  return config;
}
