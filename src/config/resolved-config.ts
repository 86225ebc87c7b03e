import os from 'node:os';
import path from 'node:path';
import type { Distortions } from './distortion-settings.js';
import { isModelPath } from './model-reference.js';
import { defaultLearningRate } from './model-training-defaults.js';
import { modelsDirs } from './models-dirs.js';
import { parseShard, type Shard } from '../store/shard.js';
import type { RemoteCacheSettings } from '../store/remote-cache.js';
import type { HeadOptions, ModelOptions, RetrainConfig } from './define-config.js';

/** A config with every default filled in and every path absolute. */
export interface ResolvedConfig {
  imageDirs: string[];
  model: string;
  modelOptions: ModelOptions;
  /** Where registry names are looked up, in order (src/config/models-dirs.ts). */
  modelsDirs: string[];
  split: { validationPercentage: number; testingPercentage: number };
  train: {
    steps: number;
    learningRate: number;
    solver: 'sgd' | 'lbfgs';
    /** The lbfgs solver's L2 strength; undefined: chosen by cross-validation. */
    l2?: number;
    batchSize: number;
    evalStepInterval: number;
    validationBatchSize: number;
    testBatchSize: number;
    warmStart: boolean;
  };
  distortions: Distortions;
  head: HeadOptions;
  labels: 'unicode' | 'original';
  seed: number;
  cacheDir: string;
  outputDir: string;
  outputLabels?: string;
  finalTensorName: string;
  printMisclassifiedTestImages: boolean;
  reportAudit: boolean;
  summariesDir?: string;
  workers: number;
  inferenceBatchSize: number;
  backend: 'auto' | 'onnx' | 'node' | 'wasm' | 'cpu';
  /** The shared remote cache, when one is set. */
  remote?: RemoteCacheSettings;
  /** `retrain build` computes this share of the missing bottlenecks into the remote cache and stops. */
  shard?: Shard;
}

export const DEFAULT_MODEL = 'mobilenet_v2_035_224';
/**
 * The head's solver: the original's SGD. The converged head (`'lbfgs'`) is not better out of fold for every
 * backbone and data set (BENCHMARKS.md, "How the defaults were chosen"), so it is an option.
 */
export const DEFAULT_SOLVER = 'sgd' as const;

/** Fills defaults and makes paths absolute against `baseDir` (the config file's folder, or the cwd). */
export function resolveConfig(config: RetrainConfig, baseDir: string): ResolvedConfig {
  const abs = (p: string) => path.resolve(baseDir, p);
  const dirs = Array.isArray(config.imageDir) ? config.imageDir : [config.imageDir];
  const model = config.model ?? process.env.RETRAIN_MODEL ?? DEFAULT_MODEL;
  return {
    imageDirs: dirs.map(abs),
    model: isModelPath(model) ? abs(model) : model,
    modelOptions: config.modelOptions ?? {},
    modelsDirs: modelsDirs(config.modelsDir === undefined ? [] : [config.modelsDir].flat(), baseDir, process.cwd()),
    split: {
      validationPercentage: config.split?.validationPercentage ?? 10,
      testingPercentage: config.split?.testingPercentage ?? 10,
    },
    train: {
      steps: config.train?.steps ?? 4000,
      // The registry model's own default for the default head when it has one (a path or URL to the same weights does not).
      learningRate: config.train?.learningRate ?? defaultLearningRate(model, config.head),
      solver: config.train?.solver ?? DEFAULT_SOLVER,
      l2: config.train?.l2,
      batchSize: config.train?.batchSize ?? 100,
      evalStepInterval: config.train?.evalStepInterval ?? 10,
      validationBatchSize: config.train?.validationBatchSize ?? 100,
      testBatchSize: config.train?.testBatchSize ?? -1,
      warmStart: config.train?.warmStart ?? false,
    },
    distortions: {
      flipLeftRight: config.distortions?.flipLeftRight ?? false,
      randomCrop: config.distortions?.randomCrop ?? 0,
      randomScale: config.distortions?.randomScale ?? 0,
      randomBrightness: config.distortions?.randomBrightness ?? 0,
      variants: config.distortions?.variants ?? 5,
    },
    head: config.head ?? {},
    labels: config.labels ?? 'unicode',
    seed: config.seed ?? 0,
    cacheDir: abs(config.cacheDir ?? '.retrain-cache'),
    outputDir: abs(config.outputDir ?? 'retrain-output'),
    outputLabels: config.outputLabels === undefined ? undefined : abs(config.outputLabels),
    finalTensorName: config.finalTensorName ?? 'final_result',
    printMisclassifiedTestImages: config.printMisclassifiedTestImages ?? false,
    reportAudit: config.reportAudit ?? false,
    summariesDir: config.summariesDir === undefined ? undefined : abs(config.summariesDir),
    // Never more threads than cores: each holds a whole model, and `--workers 200` ran a 2-core machine out of
    // memory (4 GB, then a native abort) for no speed; readConfig says so when it lowers the number.
    workers: Math.min(config.workers ?? Infinity, Math.max(1, os.availableParallelism())),
    inferenceBatchSize: config.inferenceBatchSize ?? 4,
    backend: config.backend ?? 'auto',
    remote: config.remoteCache
      ? { url: config.remoteCache, readOnly: config.remoteCacheReadOnly ?? false, required: config.remoteCacheRequired ?? false }
      : undefined,
    shard: config.shard === undefined ? undefined : parseShard(config.shard, 'shard'),
  };
}
