import { defineConfig } from 'retrain';

// Four experiments on ants vs bees that share every cached bottleneck:
//   npx retrain experiment --config examples/experiments.config.ts
const shared = process.env.RETRAIN_SHARED ?? '../../shared';

export default defineConfig({
  imageDir: `${shared}/datasets/hymenoptera_data/train`,
  model: `${shared}/models/mobilenet_v2_035_224`,
  cacheDir: '../.retrain-cache',
  outputDir: '../retrain-output-experiments-example',
  experimentGrid: {
    'train.learningRate': [0.01, 0.1],
    'distortions.flipLeftRight': [false, true],
  },
  experiments: {
    'short-training': { train: { steps: 500 } },
  },
});
