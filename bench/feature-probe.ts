/**
 * `node build/bench/feature-probe.js`: how separable each backbone's vectors are on hymenoptera train/ (5-fold
 * cross-validation, never val/), per preprocessing and feature tensor, with the default head trainer and with a
 * full-batch L2 logistic regression on the same vectors. Used to choose the registry defaults.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import computeBottlenecks from '../src/engine/worker.js';
import type { ModelOptions } from '../src/config/define-config.js';
import { selectEngine } from '../src/engine/feature-engine.js';
import { resolveModel } from '../src/engine/model/resolve-model.js';
import { trainHead, accuracyOf } from '../src/core/train-head.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TRAIN = path.resolve(process.env.RETRAIN_SHARED ?? path.join(REPO, '../shared'), 'datasets/hymenoptera_data/train');

async function vectors(model: string, options: ModelOptions, cacheDir: string) {
  const resolved = await resolveModel(model, options, cacheDir);
  const { engine, identity } = await selectEngine('auto', resolved, cacheDir);
  const classes = (await fs.readdir(TRAIN)).sort();
  const out: { vectors: Float32Array[]; labels: number[] } = { vectors: [], labels: [] };
  for (const [label, cls] of classes.entries()) {
    const files = (await fs.readdir(path.join(TRAIN, cls))).sort();
    for (let i = 0; i < files.length; i += 16) {
      const images = await Promise.all(files.slice(i, i + 16).map(async (f) => new Uint8Array(await fs.readFile(path.join(TRAIN, cls, f)))));
      const result = await computeBottlenecks({ model: resolved, identity, engine, images, items: images.map((_, image) => ({ image })) });
      for (const o of result.outcomes) if ('vector' in o) (out.vectors.push(o.vector), out.labels.push(label));
    }
  }
  return out;
}

/** Full-batch gradient descent on the mean cross entropy + l2/2·|w|² (binary or softmax), standardised inputs. */
function logistic(train: Float32Array[], labels: number[], k: number, l2: number) {
  const d = train[0]!.length;
  const mean = new Float64Array(d), sd = new Float64Array(d);
  for (const v of train) for (let j = 0; j < d; j++) mean[j] += v[j]! / train.length;
  for (const v of train) for (let j = 0; j < d; j++) sd[j] += (v[j]! - mean[j]!) ** 2 / train.length;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]!) + 1e-6;
  const x = train.map((v) => Float64Array.from(v, (a, j) => (a - mean[j]!) / sd[j]!));
  const w = Array.from({ length: k }, () => new Float64Array(d)), b = new Float64Array(k);
  const lr = 0.5 / (1 + l2);
  for (let it = 0; it < 300; it++) {
    const gw = Array.from({ length: k }, () => new Float64Array(d)), gb = new Float64Array(k);
    x.forEach((xi, n) => {
      const z = w.map((wc, c) => b[c]! + wc.reduce((s, a, j) => s + a * xi[j]!, 0));
      const m = Math.max(...z), e = z.map((t) => Math.exp(t - m)), s = e.reduce((p, q) => p + q, 0);
      for (let c = 0; c < k; c++) {
        const g = (e[c]! / s - (labels[n] === c ? 1 : 0)) / x.length;
        gb[c] += g;
        for (let j = 0; j < d; j++) gw[c]![j] += g * xi[j]!;
      }
    });
    for (let c = 0; c < k; c++) {
      b[c] -= lr * gb[c]!;
      for (let j = 0; j < d; j++) w[c]![j] -= lr * (gw[c]![j]! + l2 * w[c]![j]!);
    }
  }
  return (v: Float32Array) => {
    const z = w.map((wc, c) => b[c]! + wc.reduce((s, a, j) => s + (a * (v[j]! - mean[j]!)) / sd[j]!, 0));
    return z.indexOf(Math.max(...z));
  };
}

function crossValidate(data: { vectors: Float32Array[]; labels: number[] }, folds: number) {
  const fold = data.vectors.map((_, i) => i % folds);
  const right = { head: 0, lr01: 0, lr1: 0 };
  for (let f = 0; f < folds; f++) {
    const pick = (inFold: boolean) => {
      const idx = fold.flatMap((g, i) => ((g === f) === inFold ? [i] : []));
      return { vectors: idx.map((i) => data.vectors[i]!), labels: idx.map((i) => data.labels[i]!) };
    };
    const [train, test] = [pick(false), pick(true)];
    const { head } = trainHead(train, { vectors: [], labels: [] }, 2, { steps: 4000, learningRate: 0.01, batchSize: 100, evalStepInterval: 4000, validationBatchSize: 0, seed: 0 });
    right.head += accuracyOf(head, test.vectors, test.labels) * test.labels.length;
    for (const [name, l2] of [['lr01', 0.01], ['lr1', 0.1]] as const) {
      const predict = logistic(train.vectors, train.labels, 2, l2);
      right[name] += test.vectors.filter((v, i) => predict(v) === test.labels[i]).length;
    }
  }
  const n = data.labels.length;
  return `default head ${((right.head / n) * 100).toFixed(1)}%, logistic l2=0.01 ${((right.lr01 / n) * 100).toFixed(1)}%, l2=0.1 ${((right.lr1 / n) * 100).toFixed(1)}% (N=${n})`;
}

const cacheDir = process.env.RETRAIN_CACHE ?? path.join(os.tmpdir(), 'retrain-probe');
const cases: [string, ModelOptions][] = JSON.parse(process.argv[2] ?? '[]');
for (const [model, options] of cases) {
  const data = await vectors(model, options, cacheDir);
  process.stdout.write(`${model} ${JSON.stringify(options)}: ${crossValidate(data, 5)}\n`);
}
