import { defineConfig } from 'retrain';

// The example build: ants vs bees from the shared data set, on the shared MobileNet v1 0.75 weights (the most
// accurate shared backbone on hymenoptera val/: 93.5%, see BENCHMARKS.md "Backbone accuracy").
// Paths are relative to this file; set RETRAIN_SHARED to use a shared/ folder elsewhere.
const shared = process.env.RETRAIN_SHARED ?? '../shared';

export default defineConfig({
  imageDir: `${shared}/datasets/hymenoptera_data/train`,
  model: `${shared}/models/mobilenet_v1_075_224`,
  split: { validationPercentage: 10, testingPercentage: 10 },
  train: { steps: 4000, learningRate: 0.01, batchSize: 100 },
  seed: 0,
  cacheDir: '.retrain-cache',
  outputDir: 'retrain-output',
});
