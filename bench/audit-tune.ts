/**
 * Tuning of the label-issue list on planted label errors: for each flip seed (never the reported seeds
 * FLIP_SEEDS), a copy of the data set with `rate` of the labels flipped, the audit's out-of-sample probabilities
 * (same folds, heads and neighbours as `retrain audit`, with or without the cleaning round), then the list's
 * precision and recall for each count estimate and factor.
 * `node build/bench/audit-tune.js FIRST LAST [model]` prints one line per variant and factor: mean precision / recall over the seeds.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cleanedProbabilities, cleaningRoundOf, DEFAULT_AUDIT_OPTIONS, givenLabels, outOfSampleProbabilities, type LabelIssueProbabilities } from '../src/core/audit/audit.js';
import { confidentJoint, confidentLearningCount, labelIssueCount, mispredictedByMargin } from '../src/core/audit/confident-learning.js';
import { gatherFolds, LOGISTIC_LAMBDA, planFolds, trainFold } from '../src/core/audit/cross-validated-probabilities.js';
import { auditImagesOf, auditOptionsOf } from '../src/pipeline/audit-dataset.js';
import { splitDataset } from '../src/pipeline/split-dataset.js';
import { resolveConfig } from '../src/config/resolved-config.js';
import { auditConfig } from '../src/app/audit-config.js';
import { copyWithFlippedLabels, FLIP_SEEDS } from './audit.js';

export const COUNT_FACTORS = [0.9, 0.95, 1, 1.05, 1.1, 1.2];

/**
 * The flip seeds the list's length (labelIssueCount) was chosen on: never the reported ones, nor those earlier
 * settings were tuned on (11–40; the cleaning round and count factor 0.95 on 41–100).
 */
export const TUNING_SEEDS = Array.from({ length: 100 }, (_, i) => 101 + i);

/** Fold heads to compare: folds, λ, cleaning round (the first is the audit's own and gives `TuneSeed.byFactor`). */
export type HeadVariant = { folds: number; lambda: number; cleaning: boolean };

/** The audit's own fold heads, then the audit without the cleaning round. */
export const DEFAULT_HEAD_VARIANTS: HeadVariant[] = [
  { folds: DEFAULT_AUDIT_OPTIONS.folds, lambda: LOGISTIC_LAMBDA, cleaning: true },
  { folds: DEFAULT_AUDIT_OPTIONS.folds, lambda: LOGISTIC_LAMBDA, cleaning: false },
];

const variantName = (v: HeadVariant) => `${v.folds} folds, λ ${v.lambda}, ${v.cleaning ? 'cleaning round' : 'one round'}`;

/** How many label issues, from the probabilities: confident learning's count, or cleanlab's other estimates. */
export const COUNTS: Record<string, (p: readonly Float64Array[], given: readonly number[], k: number, cl?: number) => number> = {
  /** The audit's list length (labelIssueCount): the mean of confident learning's count and the mispredicted images with margin > 0.3. */
  audit: (p, given, k, cl) => labelIssueCount(cl ?? confidentLearningCount(p, given, k), mispredictedByMargin(p, given, k)),
  cl: confidentLearningCount,
  /** Off-diagonal sum of the confident joint (cleanlab num_label_issues 'off_diagonal'). */
  offDiagonal: (p, given, k) => {
    const { counts } = confidentJoint(p, given, k);
    let sum = 0;
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) if (i !== j) sum += counts[i * k + j]!;
    return sum;
  },
  /** Off-diagonal sum of the calibrated joint ('off_diagonal_calibrated'). */
  offDiagonalCalibrated: (p, given, k) => {
    const { counts } = confidentJoint(p, given, k);
    const sizes = new Array(k).fill(0);
    for (const g of given) sizes[g]++;
    let sum = 0;
    for (let i = 0; i < k; i++) {
      let row = 0;
      for (let j = 0; j < k; j++) row += counts[i * k + j]!;
      if (row > 0) sum += (1 - counts[i * k + i]! / row) * sizes[i];
    }
    return Math.round(sum);
  },
};

export interface TuneSeed {
  seed: number;
  flipped: number;
  count: number;
  /** Per variant (head × count), per factor: [flagged, found]. */
  byFactor: Array<[number, number]>;
  variants: Record<string, Array<[number, number]>>;
}

export async function tuneCountFactor(dataset: string, model: string, seeds = TUNING_SEEDS, heads: HeadVariant[] = DEFAULT_HEAD_VARIANTS, rate = 0.1): Promise<TuneSeed[]> {
  const reported = seeds.filter((s) => FLIP_SEEDS.includes(s));
  if (reported.length) throw new Error(`seeds ${reported.join(', ')} are the reported seeds: tune on others`);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'retrain-bench-audit-tune-'));
  try {
    const rows: TuneSeed[] = [];
    for (const seed of seeds) {
      const images = path.join(work, `images-${seed}`);
      const flipped = await copyWithFlippedLabels(dataset, images, rate, seed);
      const config = resolveConfig({ imageDir: images, model, cacheDir: path.join(work, 'cache'), outputDir: path.join(work, 'out') }, process.cwd());
      if (rows.length === 0) await auditConfig(config); // computes the vectors once
      const data = await splitDataset(config);
      const list = auditImagesOf(data.images);
      const options = auditOptionsOf(config);
      const given = givenLabels(list, data.labels);
      const variants: Record<string, Array<[number, number]>> = {};
      let base: Array<[number, number]> = [];
      let count = 0;
      for (const variant of heads) {
        const plan = planFolds(list.map((i) => i.vector), given, data.labels.length, options.train, variant.folds);
        plan.lambda = variant.lambda;
        const train = (excluded?: Uint8Array) => gatherFolds({ ...plan, excluded }, Array.from({ length: plan.folds }, (_, fold) => trainFold({ ...plan, excluded }, fold)));
        const first = outOfSampleProbabilities(list, data.labels.length, options, given, train());
        const cleaning = cleaningRoundOf(first, given, data.labels.length, { cleaningRound: variant.cleaning });
        const { probabilities, issueCount }: LabelIssueProbabilities = cleaning ? cleanedProbabilities(first, given, cleaning, train(cleaning.excluded), data.labels.length, options) : first;
        const ranked = mispredictedByMargin(probabilities, given, data.labels.length);
        for (const [name, estimate] of Object.entries(COUNTS)) {
          // The audit's own count after a cleaning round: the larger of its two rounds' (cleaning-round.ts).
          const n = name === 'cl' && issueCount !== undefined ? issueCount : estimate(probabilities, given, data.labels.length, issueCount);
          const byFactor = COUNT_FACTORS.map((factor): [number, number] => {
            const top = ranked.slice(0, Math.round(factor * n));
            return [top.length, top.filter((issue) => flipped.has(list[issue.index]!.path)).length];
          });
          variants[`${variantName(variant)}, ${name}`] = byFactor;
          if (base.length === 0) [base, count] = [byFactor, n];
          process.stderr.write(`seed ${seed} ${variantName(variant)}/${name}: count ${n}, mispredicted ${ranked.length}, ${byFactor.map(([a, b], k) => `${COUNT_FACTORS[k]}:${b}/${a}`).join(' ')}\n`);
        }
      }
      rows.push({ seed, flipped: flipped.size, count, byFactor: base, variants });
      await fs.rm(images, { recursive: true, force: true });
    }
    return rows;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Mean precision / recall (lowest) of the list over the seeds, one row per fold-head variant × count estimate × factor. */
export function renderTuning(rows: TuneSeed[], variants = Object.keys(rows[0]?.variants ?? {})): string {
  const seeds = rows.map((row) => row.seed);
  const out = ['| fold heads, count | factor | seeds | precision (lowest) | recall (lowest) | flagged |', '|---|---|---|---|---|---|'];
  for (const variant of variants) {
    COUNT_FACTORS.forEach((factor, k) => {
      const cells = rows.map((row) => row.variants[variant]![k]!);
      const p = cells.map(([flagged, found]) => found / Math.max(1, flagged));
      const r = cells.map(([, found], i) => found / rows[i]!.flipped);
      out.push(`| ${variant} | ${factor} | ${Math.min(...seeds)}–${Math.max(...seeds)} | ${mean(p).toFixed(3)} (${Math.min(...p).toFixed(2)}) | ${mean(r).toFixed(3)} (${Math.min(...r).toFixed(2)}) | ${mean(cells.map(([flagged]) => flagged)).toFixed(1)} |`);
    });
  }
  return out.join('\n') + '\n';
}

/** `TUNE_HEADS=5:0.002:clean,5:0.002:once node build/bench/audit-tune.js [first last [model]]`: the table, as Markdown. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const shared = path.resolve(process.env.RETRAIN_SHARED ?? path.join(path.dirname(process.argv[1]!), '../../../shared'));
  const [first = TUNING_SEEDS[0]!, last = TUNING_SEEDS.at(-1)!] = process.argv.slice(2, 4).map(Number);
  const model = process.argv[4] ?? 'mobilenet_v2_100_224_int8';
  const heads = process.env.TUNE_HEADS ? process.env.TUNE_HEADS.split(',').map((v) => ({ folds: Number(v.split(':')[0]), lambda: Number(v.split(':')[1]), cleaning: v.split(':')[2] !== 'once' })) : DEFAULT_HEAD_VARIANTS;
  const seeds = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  process.stdout.write(renderTuning(await tuneCountFactor(path.join(shared, 'datasets/flower_photos_mini'), path.join(shared, 'models', model), seeds, heads)));
}
