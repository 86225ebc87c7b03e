/**
 * `node build/bench/head-train-time.js sgd|lbfgs|none 245|10000` (none: load only, the baseline): trains one head the way a build does (vectors read
 * by index, as from the cache) on real int8 MobileNetV2 vectors from bench/head-cv.ts's cache, and prints the
 * wall time. Run it under `/usr/bin/time -f '%U %S %M'` for CPU time and peak memory. 245: every photo of
 * hymenoptera train/ (2 classes). 10000: flower_photos_mini's 500 photos and their mirror images (5 classes),
 * ten copies each, every copy scaled by its own factor in [0.9, 1.1] (like brightness variants).
 */
import os from 'node:os';
import path from 'node:path';
import { Random } from '../src/core/random.js';
import { trainConvergedHead } from '../src/core/train-converged-head.js';
import { trainHead, type IndexedVectors } from '../src/core/train-head.js';
import { CV_DATASETS, vectorsOf } from './head-cv.js';

const [solver, size] = [process.argv[2], Number(process.argv[3])];
const cacheRoot = process.env.RETRAIN_CV_CACHE ?? path.join(os.tmpdir(), 'retrain-cv');
const model = 'mobilenet_v2_100_224_int8';
let vectors: Float32Array[];
let labels: number[];
let classes: number;
if (size === 245) {
  const data = await vectorsOf(model, CV_DATASETS['hymenoptera train'], cacheRoot);
  [vectors, labels, classes] = [data.plain, data.labels, data.classes];
} else {
  const data = await vectorsOf(model, CV_DATASETS.flower_photos_mini, cacheRoot);
  const random = new Random(1);
  const base = [...data.plain, ...data.mirror];
  const baseLabels = [...data.labels, ...data.labels];
  vectors = [];
  labels = [];
  for (let copy = 0; vectors.length < size; copy++) {
    for (let i = 0; i < base.length && vectors.length < size; i++) {
      const factor = copy === 0 ? 1 : 0.9 + 0.2 * random.next();
      vectors.push(Float32Array.from(base[i]!, (v) => v * factor));
      labels.push(baseLabels[i]!);
    }
  }
  classes = data.classes;
}
const train: IndexedVectors = { labels, vector: (i) => vectors[i]! };
const none: IndexedVectors = { labels: [], vector: () => new Float32Array(0) };
const start = performance.now();
if (solver === 'none') process.stdout.write('vectors loaded, nothing trained\n');
else if (solver === 'sgd') trainHead(train, none, classes, { steps: 4000, learningRate: 0.01, batchSize: 100, evalStepInterval: 10, validationBatchSize: 100, seed: 0 });
else {
  const result = trainConvergedHead(train, none, classes, { evalStepInterval: 10 });
  process.stdout.write(`L2 ${result.l2.l2}, ${result.l2.evaluations} passes in the cross-validation\n`);
}
process.stdout.write(`${solver} on ${vectors.length} vectors: ${((performance.now() - start) / 1000).toFixed(2)} s wall\n`);
