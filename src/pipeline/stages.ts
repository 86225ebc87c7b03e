import { distortionsActive } from '../augment/distortions.js';
import { needsOptionsTrainer } from '../train/needs-options-trainer.js';
import { defineStage, type StageDeclaration } from './stage.js';

/**
 * The declared stages: what each reads from the config, which upstream artifacts' keys feed its key, and
 * what it writes. The tasks get only these values; `retrain status` compares them with the last run's.
 */

/** The images and their vectors: new, changed or removed images, or another model, make it stale. */
export const bottleneckStage = defineStage({
  name: 'bottleneck',
  version: 1,
  config: {
    model: (c) => c.model,
    modelOptions: (c) => c.modelOptions,
  },
  uses: {},
  upstream: ['images'],
  outputs: ['cache.bottlenecks'],
});

export const splitStage = defineStage({
  name: 'split',
  version: 1,
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
  version: 2,
  config: {
    'train.steps': (c) => c.train.steps,
    'train.learningRate': (c) => c.train.learningRate,
    'train.batchSize': (c) => c.train.batchSize,
    'train.evalStepInterval': (c) => c.train.evalStepInterval,
    'train.validationBatchSize': (c) => c.train.validationBatchSize,
    seed: (c) => c.seed,
    // Only when they need the options trainer, so plain heads keep their key.
    head: (c) => (needsOptionsTrainer(c.head) ? c.head : undefined),
    // The distorted variants train the head too (their keys are in the training data as well).
    distortions: (c) => (distortionsActive(c.distortions) ? c.distortions : undefined),
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
  version: 1,
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
  version: 4,
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
    'train.batchSize': (c) => c.train.batchSize,
    'train.evalStepInterval': (c) => c.train.evalStepInterval,
    'train.validationBatchSize': (c) => c.train.validationBatchSize,
    seed: (c) => c.seed,
  },
  upstream: ['head', 'model', 'test set', 'evaluation'],
  outputs: ['outputDir/{model.json,weights.bin,model.onnx,labels.txt,manifest.json}', 'outputLabels', 'summariesDir/logs'],
});

/** In pipeline order. */
export const STAGES: readonly StageDeclaration[] = [bottleneckStage, splitStage, trainStage, evaluateStage, exportStage];
