import path from 'node:path';
import type { Options } from 'yargs';
import { isModelPath } from './model-reference.js';
import type { RetrainConfig } from './define-config.js';
import { TYPED_FLAGS } from './typed-flags.js';
import { ConfigError } from './config-error.js';

/** A command-line flag that overrides one config field; `original` is retrain.py's name for it. */
interface ConfigFlag {
  name: string;
  original?: string;
  field: [keyof RetrainConfig] | ['split' | 'train' | 'distortions', string];
  type: 'string' | 'number' | 'boolean';
  isPath?: boolean;
  describe: string;
  choices?: string[];
}

export const CONFIG_FLAGS: readonly ConfigFlag[] = [
  { name: 'image-dir', original: 'image_dir', field: ['imageDir'], type: 'string', isPath: true, describe: 'Folder with one sub-folder of images per class' },
  { name: 'model', original: 'tfhub_module', field: ['model'], type: 'string', describe: 'Feature extractor: registry name, folder (model.json or model.onnx), .onnx file, file:// or http(s) URL [mobilenet_v2_035_224]' },
  { name: 'models-dir', field: ['modelsDir'], type: 'string', isPath: true, describe: 'Folder holding the registry\'s models, searched first (also RETRAIN_MODELS_DIR, a path list) [../shared/models]' },
  { name: 'steps', original: 'how_many_training_steps', field: ['train', 'steps'], type: 'number', describe: 'Training steps [4000]' },
  { name: 'learning-rate', original: 'learning_rate', field: ['train', 'learningRate'], type: 'number', describe: 'SGD learning rate [0.01; 0.1 for darknet_tiny_224 and mobilenet_v1_075_224 with the default head]' },
  { name: 'solver', field: ['train', 'solver'], type: 'string', choices: ['sgd', 'lbfgs'], describe: 'Head solver: sgd (the original: --steps at --learning-rate) or lbfgs (logistic regression to convergence, L2 by 5-fold cross-validation) [sgd]' },
  { name: 'l2', field: ['train', 'l2'], type: 'number', describe: 'L2 strength of the lbfgs head [chosen by 5-fold cross-validation]' },
  { name: 'batch-size', original: 'train_batch_size', field: ['train', 'batchSize'], type: 'number', describe: 'Images per training step [100]' },
  { name: 'eval-step-interval', original: 'eval_step_interval', field: ['train', 'evalStepInterval'], type: 'number', describe: 'Evaluate every N steps [10]' },
  { name: 'validation-batch-size', original: 'validation_batch_size', field: ['train', 'validationBatchSize'], type: 'number', describe: 'Validation images per evaluation, -1 = all [100]' },
  { name: 'test-batch-size', original: 'test_batch_size', field: ['train', 'testBatchSize'], type: 'number', describe: 'Test images in the final evaluation, -1 = all [-1]' },
  { name: 'warm-start', field: ['train', 'warmStart'], type: 'boolean', describe: 'Start training from the exported head when classes are unchanged [false]' },
  { name: 'testing-percentage', original: 'testing_percentage', field: ['split', 'testingPercentage'], type: 'number', describe: 'Percent of images for the test set [10]' },
  { name: 'validation-percentage', original: 'validation_percentage', field: ['split', 'validationPercentage'], type: 'number', describe: 'Percent of images for the validation set [10]' },
  { name: 'print-misclassified', original: 'print_misclassified_test_images', field: ['printMisclassifiedTestImages'], type: 'boolean', describe: 'List misclassified test images [false]' },
  { name: 'report-audit', field: ['reportAudit'], type: 'boolean', describe: 'Add the audit (retrain audit) to report.html [false]' },
  { name: 'cache-dir', original: 'bottleneck_dir', field: ['cacheDir'], type: 'string', isPath: true, describe: 'Cache folder (LMDB) [.retrain-cache]' },
  { name: 'output-dir', original: 'output_graph', field: ['outputDir'], type: 'string', isPath: true, describe: 'Folder for the exported model [retrain-output]' },
  { name: 'output-labels', original: 'output_labels', field: ['outputLabels'], type: 'string', isPath: true, describe: 'Also write the labels file here' },
  { name: 'final-tensor-name', original: 'final_tensor_name', field: ['finalTensorName'], type: 'string', describe: 'Name of the output layer [final_result]' },
  { name: 'summaries-dir', original: 'summaries_dir', field: ['summariesDir'], type: 'string', isPath: true, describe: 'TensorBoard summaries folder' },
  { name: 'flip-left-right', original: 'flip_left_right', field: ['distortions', 'flipLeftRight'], type: 'boolean', describe: 'Distort training images: random left-right flips [false]' },
  { name: 'random-crop', original: 'random_crop', field: ['distortions', 'randomCrop'], type: 'number', describe: 'Distort training images: percent margin cropped at random [0]' },
  { name: 'random-scale', original: 'random_scale', field: ['distortions', 'randomScale'], type: 'number', describe: 'Distort training images: percent of random scaling [0]' },
  { name: 'random-brightness', original: 'random_brightness', field: ['distortions', 'randomBrightness'], type: 'number', describe: 'Distort training images: percent of random brightness change [0]' },
  { name: 'distortion-variants', field: ['distortions', 'variants'], type: 'number', describe: 'Cached distorted variants per training image [5]' },
  { name: 'labels', field: ['labels'], type: 'string', choices: ['unicode', 'original'], describe: 'Class labels from folder names: unicode keeps every script, original is retrain.py\'s ASCII rule [unicode]' },
  { name: 'seed', field: ['seed'], type: 'number', describe: 'Random seed for initialisation and sampling [0]' },
  { name: 'workers', field: ['workers'], type: 'number', describe: 'Bottleneck worker threads, at most one per core [one per core]' },
  { name: 'backend', field: ['backend'], type: 'string', choices: ['auto', 'onnx', 'node', 'wasm', 'cpu'], describe: 'What computes bottlenecks: onnx (onnxruntime-node), or a TensorFlow.js backend [auto: onnx if it loads and the model converts, else tfjs-node if it loads, else wasm]' },
  { name: 'remote-cache', field: ['remoteCache'], type: 'string', describe: 'Shared cache on an S3 API store, s3://bucket/prefix (also RETRAIN_REMOTE_CACHE; endpoint and keys from AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, …)' },
  { name: 'remote-cache-read-only', field: ['remoteCacheReadOnly'], type: 'boolean', describe: 'Read the remote cache, never write to it [false]' },
  { name: 'remote-cache-required', field: ['remoteCacheRequired'], type: 'boolean', describe: 'Fail when the remote cache cannot be used instead of building locally [false]' },
  { name: 'shard', field: ['shard'], type: 'string', describe: 'i/N: compute shard i (from 0) of N of the missing bottlenecks into the remote cache and stop (build only; needs --remote-cache)' },
];

/**
 * yargs option definitions for the config flags (all, or those `only` names: a command that uses few of them,
 * like `cache`, lists just those in its --help), the original names as aliases, no defaults (the config has them).
 */
export function configFlagOptions(only?: readonly string[]): Record<string, Options> {
  return Object.fromEntries(
    CONFIG_FLAGS.filter((flag) => !only || only.includes(flag.name)).map((flag) => [
      flag.name,
      { type: flag.type, describe: flag.describe, alias: flag.original, choices: flag.choices, group: 'Config overrides:' } satisfies Options,
    ]),
  );
}

/**
 * The config fields set on the command line, paths made absolute against `cwd`. retrain.py's
 * `--output_graph x.pb` names a file; here it names the model folder, so a `.pb` suffix is dropped.
 */
export function configFromFlags(argv: Record<string, unknown>, cwd: string, warn: (message: string) => void): Partial<RetrainConfig> {
  const config: Record<string, unknown> = {};
  // `--steps` or `--image-dir` with no value: yargs drops the number (the config's value was used without a
  // word) and makes the path '' (the working folder). Refuse, naming the flag as typed.
  const typed = (argv as Record<symbol, unknown>)[TYPED_FLAGS] as Map<string, string | undefined> | undefined;
  for (const flag of CONFIG_FLAGS) {
    if (flag.type === 'boolean') continue;
    for (const spelling of [flag.name, flag.original]) {
      if (spelling === undefined || !typed?.has(spelling)) continue;
      const raw = typed.get(spelling);
      if (raw === undefined || raw === '') {
        const error = new ConfigError(`--${spelling}: needs a value (${flag.describe.replace(/ \[.*\]$/, '')})`);
        error.usage = true;
        throw error;
      }
    }
  }
  for (const flag of CONFIG_FLAGS) {
    let value = argv[flag.name];
    if (value === undefined) continue;
    if (flag.isPath && Array.isArray(value)) value = value.map((v) => path.resolve(cwd, String(v)));
    if (flag.isPath && typeof value === 'string') {
      if (flag.name === 'output-dir' && value.endsWith('.pb')) {
        warn(`--output_graph ${value}: writing a TF.js model folder ${value.slice(0, -3)} instead of a frozen .pb graph`);
        value = value.slice(0, -3);
      }
      value = path.resolve(cwd, value as string);
    }
    if (flag.name === 'model' && typeof value === 'string' && isModelPath(value)) {
      value = path.resolve(cwd, value);
    }
    const [head, leaf] = flag.field;
    if (leaf === undefined) config[head] = value;
    else config[head] = { ...(config[head] as object | undefined), [leaf]: value };
  }
  return config as Partial<RetrainConfig>;
}

/** Config field path (`train.steps`) → the flag that set it, as typed, with its value (`--how_many_training_steps -5`). */
export function flagSources(argv: Record<string | symbol, unknown>): Map<string, string> {
  const typed = argv[TYPED_FLAGS] as Map<string, string | undefined> | undefined;
  const sources = new Map<string, string>();
  for (const flag of CONFIG_FLAGS) {
    const value = argv[flag.name];
    if (value === undefined) continue;
    const camel = flag.name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const spellings = [flag.name, flag.original, camel].filter((n): n is string => n !== undefined);
    const name = spellings.find((n) => typed?.has(n)) ?? spellings.find((n) => typed?.has(`no-${n}`)) ?? flag.name;
    const raw = typed?.get(name);
    const shown = flag.type === 'boolean' ? '' : ` ${raw ?? (Array.isArray(value) ? value.join(' ') : String(value))}`;
    sources.set(flag.field.join('.'), `--${typed?.has(`no-${name}`) ? `no-${name}` : name}${shown}`);
  }
  return sources;
}
