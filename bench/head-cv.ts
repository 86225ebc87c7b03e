/**
 * `node build/bench/head-cv.js [models…]`: chooses default head settings and feature recipes by 5-fold
 * cross-validation on the training photos only (hymenoptera train/ and flower_photos_mini; never
 * hymenoptera val/). For each registry backbone it computes every photo's vector and its mirror image's
 * vector once (cached under RETRAIN_CV_CACHE, default /tmp/retrain-cv), then trains a head on 4 folds and
 * counts the 5th: the original's plain-SGD head for a grid of steps × learning rate, on plain vectors and on
 * flip-averaged ones (the mean of the vector of the image and of its mirror), and the converged head
 * (L-BFGS, its L2 strength chosen by an inner 5-fold cross-validation on the 4 folds only, exactly as a
 * build chooses it on its training share). Prints one JSON line per cell.
 *
 * `--build`: the same folds, but each fold's training photos are split as a build splits them (10% validation,
 * 10% testing, by the original's hash of the file name) and the final head is fitted on the build's training
 * share or on its training and validation shares, at a fixed learning rate or one chosen on the validation
 * share (`crossValidateBuild`). The per-backbone learning rates of src/config/model-training-defaults.ts come
 * from this run.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import computeBottlenecks from '../src/engine/worker.js';
import type { AugmentSpec } from '../src/core/distortions.js';
import { selectEngine } from '../src/engine/feature-engine.js';
import { KNOWN_MODELS } from '../src/engine/model/registry.js';
import { resolveModel } from '../src/engine/model/resolve-model.js';
import { accuracyOf, trainHead } from '../src/core/train-head.js';
import { trainConvergedHead } from '../src/core/train-converged-head.js';
import { assignSets } from '../src/core/assign-sets.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHARED = path.resolve(process.env.RETRAIN_SHARED ?? path.join(REPO, '../shared'));
export const CV_DATASETS = {
  'hymenoptera train': path.join(SHARED, 'datasets/hymenoptera_data/train'),
  flower_photos_mini: path.join(SHARED, 'datasets/flower_photos_mini'),
} as const;
const MIRROR: AugmentSpec = { scale: 1, offsetX: 0, offsetY: 0, flip: true, brightness: 1 };

export interface Data {
  plain: Float32Array[];
  mirror: Float32Array[];
  labels: number[];
  classes: number;
  /** Each photo's path inside its class folder and its content's SHA-256, as the build's split reads them. */
  files?: string[];
  sha256?: string[];
}

/** Every photo's plain and mirrored vector with the registry entry's options, cached on disk. */
export async function vectorsOf(model: string, dir: string, cacheRoot: string): Promise<Data> {
  const file = path.join(cacheRoot, `${model}-${path.basename(dir)}.json`);
  if (existsSync(file)) {
    const raw = JSON.parse(await fs.readFile(file, 'utf8')) as { plain: number[][]; mirror: number[][]; labels: number[]; classes: number; files?: string[]; sha256?: string[] };
    return { plain: raw.plain.map((v) => Float32Array.from(v)), mirror: raw.mirror.map((v) => Float32Array.from(v)), labels: raw.labels, classes: raw.classes, files: raw.files, sha256: raw.sha256 };
  }
  const entry = KNOWN_MODELS.find((m) => m.name === model)!;
  const resolved = await resolveModel(model, entry.options, path.join(cacheRoot, 'models'));
  const { engine, identity } = await selectEngine('auto', resolved, path.join(cacheRoot, 'models'));
  const classes = (await fs.readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const data: Data = { plain: [], mirror: [], labels: [], classes: classes.length, files: [], sha256: [] };
  for (const [label, cls] of classes.entries()) {
    const files = (await fs.readdir(path.join(dir, cls))).sort();
    for (let i = 0; i < files.length; i += 16) {
      const names = files.slice(i, i + 16);
      const images = await Promise.all(names.map(async (f) => new Uint8Array(await fs.readFile(path.join(dir, cls, f)))));
      const items = images.flatMap((_, image) => [{ image }, { image, augment: MIRROR }]);
      const { outcomes } = await computeBottlenecks({ model: resolved, identity, engine, images, items });
      for (let k = 0; k < images.length; k++) {
        const [a, b] = [outcomes[2 * k]!, outcomes[2 * k + 1]!];
        if ('vector' in a && 'vector' in b) {
          data.plain.push(a.vector), data.mirror.push(b.vector), data.labels.push(label);
          data.files!.push(names[k]!), data.sha256!.push(createHash('sha256').update(images[k]!).digest('hex'));
        }
      }
    }
  }
  await fs.mkdir(cacheRoot, { recursive: true });
  await fs.writeFile(file, JSON.stringify({ plain: data.plain.map((v) => [...v]), mirror: data.mirror.map((v) => [...v]), labels: data.labels, classes: data.classes, files: data.files, sha256: data.sha256 }));
  return data;
}

export interface Cell {
  /** 'sgd' (default): the original trainer with `steps` and `learningRate`; 'lbfgs': the converged head (they are unused). */
  solver?: 'sgd' | 'lbfgs';
  steps: number;
  learningRate: number;
  features: 'plain' | 'flip-averaged';
}

/** Out-of-fold accuracy of the default trainer with `cell`'s settings: folds by position within each class. */
export function crossValidate(data: Data, cell: Cell, folds = 5): number {
  const vectors = cell.features === 'plain' ? data.plain : data.plain.map((v, i) => Float32Array.from(v, (a, j) => (a + data.mirror[i]![j]!) / 2));
  const seen = new Map<number, number>();
  const fold = data.labels.map((l) => {
    const k = seen.get(l) ?? 0;
    seen.set(l, k + 1);
    return k % folds;
  });
  let right = 0;
  for (let f = 0; f < folds; f++) {
    const pick = (inFold: boolean) => {
      const idx = fold.flatMap((g, i) => ((g === f) === inFold ? [i] : []));
      return { vectors: idx.map((i) => vectors[i]!), labels: idx.map((i) => data.labels[i]!) };
    };
    const [train, test] = [pick(false), pick(true)];
    const params = { steps: cell.steps, learningRate: cell.learningRate, batchSize: 100, evalStepInterval: cell.steps, validationBatchSize: 0, seed: 0 };
    const { head } =
      cell.solver === 'lbfgs'
        ? trainConvergedHead(train, { vectors: [], labels: [] }, data.classes, { evalStepInterval: Number.MAX_SAFE_INTEGER })
        : trainHead(train, { vectors: [], labels: [] }, data.classes, params);
    right += accuracyOf(head, test.vectors, test.labels) * test.labels.length;
  }
  return right / data.labels.length;
}

/** What the final head of a simulated build is fitted on, and how its learning rate is set. */
export interface BuildCell {
  /** The build's training share only (today's build), or its training and validation shares. */
  fit: 'training' | 'training+validation';
  /** A fixed learning rate, or 'validation': the one of LR_GRID most right on the build's validation share. */
  learningRate: number | 'validation';
}

export const LR_GRID = [0.01, 0.03, 0.1] as const;

/**
 * Out-of-fold accuracy of a simulated build: folds as in `crossValidate`; the 4 training folds are split as a
 * build splits its images (the original's hash of each file name, 10% validation, 10% testing: `assignSets`),
 * and the default trainer (4000 steps, batch 100, seed 0, plain vectors) fits the final head on the shares
 * `cell.fit` names; the build's testing share stays unused, as the build keeps it for its test figure.
 */
export function crossValidateBuild(data: Data, cell: BuildCell, folds = 5): number {
  if (!data.files || !data.sha256) throw new Error('vectors cached without file names: remove the cache file and compute them again');
  const inputs = data.labels.map((label, i) => ({ path: String(i), label: String(label), relPath: data.files![i]!, sha256: data.sha256![i]!, index: i }));
  const setOf = new Map(assignSets(inputs, 10, 10).assignments.map((a) => [a.index, a.set]));
  const seen = new Map<number, number>();
  const fold = data.labels.map((l) => {
    const k = seen.get(l) ?? 0;
    seen.set(l, k + 1);
    return k % folds;
  });
  const pick = (keep: (i: number) => boolean) => {
    const idx = data.labels.flatMap((_, i) => (keep(i) ? [i] : []));
    return { vectors: idx.map((i) => data.plain[i]!), labels: idx.map((i) => data.labels[i]!) };
  };
  const none = { vectors: [], labels: [] };
  const fit = (train: ReturnType<typeof pick>, learningRate: number) =>
    trainHead(train, none, data.classes, { steps: 4000, learningRate, batchSize: 100, evalStepInterval: 4000, validationBatchSize: 0, seed: 0 }).head;
  let right = 0;
  for (let f = 0; f < folds; f++) {
    const shares = (names: string[]) => pick((i) => fold[i] !== f && names.includes(setOf.get(i)!));
    const training = shares(['training']);
    const validation = shares(['validation']);
    const test = pick((i) => fold[i] === f);
    let learningRate: number;
    if (cell.learningRate === 'validation') {
      // Most right on the validation share; the smallest such rate on a tie (the default 0.01 first).
      const scores = LR_GRID.map((lr) => accuracyOf(fit(training, lr), validation.vectors, validation.labels));
      learningRate = LR_GRID[scores.indexOf(Math.max(...scores))]!;
    } else learningRate = cell.learningRate;
    const head = fit(cell.fit === 'training' ? training : shares(['training', 'validation']), learningRate);
    right += accuracyOf(head, test.vectors, test.labels) * test.labels.length;
  }
  return right / data.labels.length;
}

export const BUILD_GRID: BuildCell[] = (['training', 'training+validation'] as const).flatMap((fit) =>
  [...LR_GRID, 'validation' as const].map((learningRate) => ({ fit, learningRate })),
);

export interface BuildCvResult extends BuildCell {
  model: string;
  dataset: string;
  accuracy: number;
  n: number;
}

/** Every grid cell on every backbone × data set: `accuracyOf` cross-validates one cell on one data set's vectors. */
async function measureGrid<C extends object>(models: string[], grid: C[], accuracyOf: (data: Awaited<ReturnType<typeof vectorsOf>>, cell: C) => number, log?: (r: C & GridResult) => void): Promise<(C & GridResult)[]> {
  const cacheRoot = process.env.RETRAIN_CV_CACHE ?? path.join(os.tmpdir(), 'retrain-cv');
  const results: (C & GridResult)[] = [];
  for (const model of models) {
    for (const [dataset, dir] of Object.entries(CV_DATASETS)) {
      const data = await vectorsOf(model, dir, cacheRoot);
      for (const cell of grid) {
        const result = { model, dataset, ...cell, accuracy: accuracyOf(data, cell), n: data.labels.length };
        results.push(result);
        log?.(result);
      }
    }
  }
  return results;
}

interface GridResult {
  model: string;
  dataset: string;
  accuracy: number;
  n: number;
}

export function measureBuildCv(models = KNOWN_MODELS.map((m) => m.name), grid = BUILD_GRID, log?: (r: BuildCvResult) => void): Promise<BuildCvResult[]> {
  return measureGrid(models, grid, crossValidateBuild, log);
}

/** One row per backbone × data set, one column per simulated-build cell: out-of-fold accuracy and photos right. */
export function renderBuildCv(results: BuildCvResult[]): string {
  const sameCell = (a: BuildCell, b: BuildCell) => a.fit === b.fit && a.learningRate === b.learningRate;
  const cells = BUILD_GRID.filter((c) => results.some((r) => sameCell(r, c)));
  const name = (c: BuildCell) => `${c.fit === 'training' ? 'training share' : 'training + validation'}, ${c.learningRate === 'validation' ? 'lr by validation share' : `lr ${c.learningRate}`}`;
  return renderGrid(results, cells, sameCell, name);
}

export interface CvResult extends Cell {
  model: string;
  dataset: string;
  accuracy: number;
  n: number;
}

/** The original's settings (4000 steps, learning rate 0.01, plain vectors) first, then the alternatives. */
export const DEFAULT_GRID: Cell[] = [
  ...(['plain', 'flip-averaged'] as const).flatMap((features) => [0.01, 0.03, 0.1].map((learningRate) => ({ steps: 4000, learningRate, features }))),
  { solver: 'lbfgs', steps: 0, learningRate: 0, features: 'plain' },
];
const same = (a: Cell, b: Cell) => (a.solver ?? 'sgd') === (b.solver ?? 'sgd') && a.steps === b.steps && a.learningRate === b.learningRate && a.features === b.features;

export function measureHeadCv(models = KNOWN_MODELS.map((m) => m.name), grid = DEFAULT_GRID, log?: (r: CvResult) => void): Promise<CvResult[]> {
  return measureGrid(models, grid, crossValidate, log);
}

/** One row per backbone × data set, one column per grid cell: out-of-fold accuracy and photos right. */
export function renderHeadCv(results: CvResult[]): string {
  const cells = DEFAULT_GRID.filter((c) => results.some((r) => same(r, c)));
  const name = (c: Cell) => (c.solver === 'lbfgs' ? `${c.features === 'plain' ? 'plain' : 'flip-avg'}, converged (L-BFGS, L2 by CV)` : `${c.features === 'plain' ? 'plain' : 'flip-avg'}, lr ${c.learningRate}`);
  return renderGrid(results, cells, same, name);
}

/** One row per backbone × data set, one column per cell (`name`d): out-of-fold accuracy and photos right, the best in bold. */
function renderGrid<C extends object>(results: (C & GridResult)[], cells: C[], same: (a: C, b: C) => boolean, name: (c: C) => string): string {
  const keys = [...new Set(results.map((r) => `${r.model}|${r.dataset}`))];
  const rows = keys.map((key) => {
    const [model, dataset] = key.split('|') as [string, string];
    const mine = results.filter((r) => r.model === model && r.dataset === dataset);
    const best = Math.max(...mine.map((r) => r.accuracy));
    return [model, `${dataset} (${mine[0]!.n})`, ...cells.map((c) => {
      const r = mine.find((m) => same(m, c))!;
      const text = `${(r.accuracy * 100).toFixed(1)}% (${Math.round(r.accuracy * r.n)})`;
      return r.accuracy === best ? `**${text}**` : text;
    })];
  });
  return [['backbone', 'photos', ...cells.map(name)], ['---', '---', ...cells.map(() => '---')], ...rows].map((c) => `| ${c.join(' | ')} |`).join('\n');
}

async function main() {
  const models = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  // `--build`: the simulated build's cells (which shares the final head is fitted on, how its rate is set).
  if (process.argv.includes('--build')) {
    const results = await measureBuildCv(models.length ? models : undefined, BUILD_GRID, (r) => process.stdout.write(`${JSON.stringify(r)}\n`));
    process.stdout.write(`${renderBuildCv(results)}\n`);
    return;
  }
  // `--only-converged`: just the converged head's column (the SGD cells take most of the time).
  const grid = process.argv.includes('--only-converged') ? DEFAULT_GRID.filter((c) => c.solver === 'lbfgs') : DEFAULT_GRID;
  const results = await measureHeadCv(models.length ? models : undefined, grid, (r) => process.stdout.write(`${JSON.stringify(r)}\n`));
  process.stdout.write(`${renderHeadCv(results)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
