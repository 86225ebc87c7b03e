/**
 * Scratch for choosing the label-issue list's length: for each flip seed (never the reported FLIP_SEEDS), the
 * audit's first-round and cleaned out-of-sample probabilities, given labels and which images were flipped,
 * written as JSON to OUT/seed-N.json, so that list-length rules can be compared offline on the same numbers.
 * `[DUMP_RATE=0.1] [DUMP_CACHE=dir] node build/bench/audit-dump.js FIRST LAST OUT [model]`
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cleanedProbabilities, cleaningRoundOf, givenLabels, outOfSampleProbabilities } from '../src/core/audit/audit.js';
import { gatherFolds, planFolds, trainFold } from '../src/core/audit/cross-validated-probabilities.js';
import { auditImagesOf, auditOptionsOf } from '../src/pipeline/audit-dataset.js';
import { splitDataset } from '../src/pipeline/split-dataset.js';
import { resolveConfig } from '../src/config/resolved-config.js';
import { auditConfig } from '../src/app/audit-config.js';
import { copyWithFlippedLabels, FLIP_SEEDS } from './audit.js';

const [first, last] = process.argv.slice(2, 4).map(Number) as [number, number];
const out = process.argv[4]!;
const shared = path.resolve(process.env.RETRAIN_SHARED ?? '/work/shared');
const model = path.join(shared, 'models', process.argv[5] ?? 'mobilenet_v2_100_224_int8');
const dataset = path.join(shared, 'datasets/flower_photos_mini');
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'audit14-dump-'));
const cache = process.env.DUMP_CACHE ?? path.join(work, 'cache');
try {
  let warmed = false;
  for (let seed = first; seed <= last; seed++) {
    if (FLIP_SEEDS.includes(seed)) throw new Error(`seed ${seed} is a reported seed`);
    const images = path.join(work, `images-${seed}`);
    const flipped = await copyWithFlippedLabels(dataset, images, Number(process.env.DUMP_RATE ?? 0.1), seed);
    const config = resolveConfig({ imageDir: images, model, cacheDir: cache, outputDir: path.join(work, 'out') }, process.cwd());
    if (!warmed) await auditConfig(config);
    warmed = true;
    const data = await splitDataset(config);
    const list = auditImagesOf(data.images);
    const options = auditOptionsOf(config);
    const given = givenLabels(list, data.labels);
    const k = data.labels.length;
    const plan = planFolds(list.map((i) => i.vector), given, k, options.train, options.folds);
    const train = (excluded?: Uint8Array) => gatherFolds({ ...plan, excluded }, Array.from({ length: plan.folds }, (_, fold) => trainFold({ ...plan, excluded }, fold)));
    const firstRound = outOfSampleProbabilities(list, k, options, given, train());
    const cleaning = cleaningRoundOf(firstRound, given, k, options)!;
    const cleaned = cleanedProbabilities(firstRound, given, cleaning, train(cleaning.excluded), k, options);
    const record = {
      seed,
      labels: data.labels,
      given,
      flipped: list.map((i) => (flipped.has(i.path) ? 1 : 0)),
      first: firstRound.probabilities.map((p) => Array.from(p, (x) => +x.toFixed(6))),
      cleaned: cleaned.probabilities.map((p) => Array.from(p, (x) => +x.toFixed(6))),
      excluded: Array.from(cleaning.excluded),
      issueCount: cleaned.issueCount,
    };
    await fs.writeFile(path.join(out, `seed-${seed}.json`), JSON.stringify(record));
    process.stderr.write(`seed ${seed}: ${flipped.size} flipped, count ${cleaned.issueCount}\n`);
    await fs.rm(images, { recursive: true, force: true });
  }
} finally {
  await fs.rm(work, { recursive: true, force: true });
}
