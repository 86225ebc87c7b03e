import { defineConfig } from 'retrain';

// The example build: ants vs bees from the shared data set, on the shared MobileNetV2 0.35 weights.
// Paths are relative to this file; set RETRAIN_SHARED to use a shared/ folder elsewhere.
const shared = process.env.RETRAIN_SHARED ?? '../shared';

export default defineConfig({
  imageDir: `${shared}/datasets/hymenoptera_data/train`,
  model: `${shared}/models/mobilenet_v2_035_224`,
  split: { validationPercentage: 10, testingPercentage: 10 },
  train: { steps: 4000, learningRate: 0.01, batchSize: 100 },
  seed: 0,
  cacheDir: '.retrain-cache',
  outputDir: 'retrain-output',
});
