import { defineConfig } from 'retrain';

// A second, different backbone: darknet tiny, cut at an inner layer and average-pooled (512-d features).
// Bottlenecks of each model live side by side in the same cache.
//   npx retrain build --config examples/darknet.config.ts
const shared = process.env.RETRAIN_SHARED ?? '../../shared';

export default defineConfig({
  imageDir: `${shared}/datasets/hymenoptera_data/train`,
  model: `${shared}/models/darknet_tiny_224`,
  modelOptions: { featureLayer: 'leaky_re_lu_14', pooling: 'avg', range: [0, 1] },
  cacheDir: '../.retrain-cache',
  outputDir: '../retrain-output-darknet',
});
