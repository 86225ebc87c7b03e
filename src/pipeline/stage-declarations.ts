import { distortionsActive } from '../core/distortions.js';
import { needsOptionsTrainer } from '../core/needs-options-trainer.js';
import { STAGE_VERSIONS } from '../store/keys.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { defineStage, type Selector, type StageDeclaration } from './stage.js';

/**
 * The declared stages: what each reads from the config, which upstream artifacts' keys feed its key, and
 * what it writes. The tasks get only these values; `retrain status` compares them with the last run's.
 */

/** What computes the vectors (the engine is part of the model's identity, so of every vector's key). */
const VECTOR_ENGINE = {
  backend: (c) => c.backend,
  inferenceBatchSize: (c) => c.inferenceBatchSize,
  workers: (c) => c.workers,
} satisfies Record<string, Selector>;

/** The distortion settings only when active, so turning distortions off and on again is one change. */
const activeDistortions = (c: ResolvedConfig) => (distortionsActive(c.distortions) ? c.distortions : undefined);

/** The image files of every class under the image folders (names only: nothing is read). */
export const scanStage = defineStage({
  name: 'scan',
  version: STAGE_VERSIONS.scan,
  config: {
    imageDirs: (c) => c.imageDirs,
    labels: (c) => c.labels,
  },
  uses: {},
  upstream: ['files'],
  outputs: ['labels', 'image files'],
});

/** Each image file's content hash: the stat cache answers for a file whose size, time and inode did not change. */
export const hashStage = defineStage({
  name: 'hash',
  version: STAGE_VERSIONS.hash,
  config: {},
  uses: {},
  upstream: ['files'],
  outputs: ['content hash per image', 'cache.files'],
});

/** The images and their vectors: new, changed or removed images, or another model, make it stale. */
export const bottleneckStage = defineStage({
  name: 'bottleneck',
  version: STAGE_VERSIONS.bottleneck,
  config: {
    model: (c) => c.model,
    modelOptions: (c) => c.modelOptions,
  },
  uses: VECTOR_ENGINE,
  upstream: ['images'],
  outputs: ['vector per image', 'cache.bottlenecks', 'cache.failures'],
});

/** The distorted variants of the training images, each vector cached under content + distortion. */
export const augmentStage = defineStage({
  name: 'augment',
  version: STAGE_VERSIONS.augment,
  config: { distortions: activeDistortions },
  uses: {
    model: (c) => c.model,
    modelOptions: (c) => c.modelOptions,
    ...VECTOR_ENGINE,
  },
  upstream: ['training images'],
  outputs: ['distorted variants per training image', 'cache.bottlenecks'],
});

export const splitStage = defineStage({
  name: 'split',
  version: STAGE_VERSIONS.split,
  config: {
    'split.validationPercentage': (c) => c.split.validationPercentage,
    'split.testingPercentage': (c) => c.split.testingPercentage,
  },
  uses: {},
  upstream: ['images'],
  outputs: ['set of every image'],
});

export const trainStage = defineStage({
  name: 'train',
  version: STAGE_VERSIONS.train,
  config: {
    'train.steps': (c) => c.train.steps,
    'train.learningRate': (c) => c.train.learningRate,
    // Which trainer (keyed only when not the original's SGD, so SGD heads keep their key), and the converged
    // one's L2 strength (undefined: chosen by cross-validation).
    'train.solver': (c) => (c.train.solver === 'sgd' ? undefined : c.train.solver),
    'train.l2': (c) => c.train.l2,
    'train.batchSize': (c) => c.train.batchSize,
    'train.evalStepInterval': (c) => c.train.evalStepInterval,
    'train.validationBatchSize': (c) => c.train.validationBatchSize,
    seed: (c) => c.seed,
    // Only when they need the options trainer, so plain heads keep their key.
    head: (c) => (needsOptionsTrainer(c.head) ? c.head : undefined),
    // The distorted variants train the head too (their keys are in the training data as well).
    distortions: activeDistortions,
  },
  uses: {
    // A warm start also keys the head by the head it started from (see tasks/train.ts).
    'train.warmStart': (c) => c.train.warmStart,
    // Where the exported head to warm-start from is.
    outputDir: (c) => c.outputDir,
  },
  upstream: ['training data'],
  outputs: ['softmax head', 'cache.heads'],
});

export const evaluateStage = defineStage({
  name: 'evaluate',
  version: STAGE_VERSIONS.evaluate,
  config: {
    'train.testBatchSize': (c) => c.train.testBatchSize,
    // Which test images a limited test batch takes.
    seed: (c) => c.seed,
  },
  uses: {},
  upstream: ['head', 'test set'],
  outputs: ['test accuracy', 'confusion matrix', 'misclassified test images'],
});

export const exportStage = defineStage({
  name: 'export',
  version: STAGE_VERSIONS.export,
  config: {
    finalTensorName: (c) => c.finalTensorName,
    // Only when on, so turning the option off and on again is one change.
    reportAudit: (c) => (c.reportAudit ? true : undefined),
  },
  uses: {
    outputDir: (c) => c.outputDir,
    summariesDir: (c) => c.summariesDir,
    outputLabels: (c) => c.outputLabels,
    // Shown in the report (the head's key already holds them).
    'train.steps': (c) => c.train.steps,
    'train.learningRate': (c) => c.train.learningRate,
    // Which trainer (keyed only when not the original's SGD, so SGD heads keep their key), and the converged
    // one's L2 strength (undefined: chosen by cross-validation).
    'train.solver': (c) => (c.train.solver === 'sgd' ? undefined : c.train.solver),
    'train.l2': (c) => c.train.l2,
    'train.batchSize': (c) => c.train.batchSize,
    'train.evalStepInterval': (c) => c.train.evalStepInterval,
    'train.validationBatchSize': (c) => c.train.validationBatchSize,
    seed: (c) => c.seed,
  },
  upstream: ['head', 'model', 'test set', 'evaluation'],
  outputs: ['outputDir/{model.json,weights.bin,model.onnx,labels.txt,manifest.json}', 'outputLabels', 'summariesDir/logs'],
});

/** In pipeline order. */
export const STAGES: readonly StageDeclaration[] = [scanStage, hashStage, bottleneckStage, splitStage, augmentStage, trainStage, evaluateStage, exportStage];
