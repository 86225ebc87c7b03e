import { defineConfig } from 'retrain';

// The tutorial's own data: 5 flower classes x 100 photos (flower_photos_mini in the shared folder).
//   npx retrain build --config examples/flowers.config.ts
const shared = process.env.RETRAIN_SHARED ?? '../../shared';

export default defineConfig({
  imageDir: `${shared}/datasets/flower_photos_mini`,
  model: `${shared}/models/mobilenet_v2_035_224`,
  cacheDir: '../.retrain-cache',
  outputDir: '../retrain-output-flowers',
});
