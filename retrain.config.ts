import { defineConfig } from 'retrain';

// The example build: ants vs bees from the shared data set, on the shared 8-bit ONNX MobileNetV2 1.0 (the most
// accurate shared backbone on hymenoptera val/: 94.8%, see BENCHMARKS.md "Backbone accuracy").
// Paths are relative to this file; set RETRAIN_SHARED to use a shared/ folder elsewhere.
const shared = process.env.RETRAIN_SHARED ?? '../shared';

export default defineConfig({
  imageDir: `${shared}/datasets/hymenoptera_data/train`,
  model: `${shared}/models/mobilenet_v2_100_224_int8`,
  split: { validationPercentage: 10, testingPercentage: 10 },
  train: { steps: 4000, learningRate: 0.01, batchSize: 100 },
  seed: 0,
  cacheDir: '.retrain-cache',
  outputDir: 'retrain-output',
});
