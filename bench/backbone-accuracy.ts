/**
 * `node build/bench/backbone-accuracy.js`: accuracy of every registry backbone at the default settings, on
 * hymenoptera val/ (`retrain build` on train/, then `retrain eval` on val/, which the build never sees) and on
 * flower_photos_mini (the build's own test set). Writes the "Backbone accuracy" section of BENCHMARKS.md,
 * leaving the rest of the file as it is (`npm run bench` keeps this section too).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../src/config/resolved-config.js';
import { evaluateFolder } from '../src/app/evaluate-folder.js';
import { initBackend } from '../src/engine/model/backend.js';
import { KNOWN_MODELS } from '../src/engine/model/registry.js';
import { build } from '../src/pipeline/build.js';
import { loadClassifier } from '../src/export/load-classifier.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { blockBody, withBlocks, withoutHeading } from './generated-blocks.js';
import { DEFAULT_GRID, measureHeadCv, renderHeadCv, type Cell, type CvResult } from './head-cv.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHARED = path.resolve(process.env.RETRAIN_SHARED ?? path.join(REPO, '../shared'));
const HYMENOPTERA = path.join(SHARED, 'datasets/hymenoptera_data');
const FLOWERS = path.join(SHARED, 'datasets/flower_photos_mini');
export const SECTION_TITLE = '## Backbone accuracy';

interface Row {
  model: string;
  engine: string;
  features: number;
  hymenopteraTest: number | null;
  hymenopteraVal: number;
  valCount: number;
  flowersTest: number | null;
  flowersCount: number;
  formats: string;
}

async function measure(model: string, work: string): Promise<Row> {
  const cacheDir = process.env.RETRAIN_BENCH_CACHE ?? path.join(os.tmpdir(), 'retrain-bench-backbones');
  const config = (imageDir: string, out: string) => resolveConfig({ imageDir, model, cacheDir, outputDir: path.join(work, out) }, work);
  const ants = await build(config(path.join(HYMENOPTERA, 'train'), `${model}-hymenoptera`));
  const classifier = await loadClassifier(path.join(work, `${model}-hymenoptera`));
  const val = await evaluateFolder(classifier, [path.join(HYMENOPTERA, 'val')]);
  const flowers = await build(config(FLOWERS, `${model}-flowers`));
  const manifest = classifier.manifest;
  return {
    model,
    engine: ants.backend,
    features: manifest.model.featureSize,
    hymenopteraTest: ants.testAccuracy,
    hymenopteraVal: val.accuracy,
    valCount: val.count,
    flowersTest: flowers.testAccuracy,
    flowersCount: flowers.testCount,
    formats: [manifest.tfjs ? 'TF.js' : '', manifest.onnx ? 'ONNX' : ''].filter(Boolean).join(' + '),
  };
}

const same = (a: Cell, b: Cell) =>
  (a.solver ?? 'sgd') === (b.solver ?? 'sgd') && a.steps === b.steps && a.learningRate === b.learningRate && a.features === b.features;
const cellName = (c: Cell) =>
  `${c.features === 'plain' ? 'plain' : 'flip-averaged'} vectors ${c.solver === 'lbfgs' ? 'with the converged head (L-BFGS, L2 by cross-validation)' : `at learning rate ${c.learningRate}`}`;

/** Per alternative to the default cell: on how many backbone × data set pairs it is better and worse out of fold. */
function cvVerdict(results: CvResult[]): string {
  const [defaults, ...alternatives] = DEFAULT_GRID;
  const pairs = [...new Set(results.map((r) => `${r.model}|${r.dataset}`))];
  const at = (pair: string, cell: Cell) => results.find((r) => `${r.model}|${r.dataset}` === pair && same(r, cell));
  const lines = alternatives.map((cell) => {
    let better = 0, worse = 0;
    for (const pair of pairs) {
      const [a, d] = [at(pair, cell), at(pair, defaults!)];
      if (!a || !d) continue;
      const delta = Math.round(a.accuracy * a.n) - Math.round(d.accuracy * d.n);
      if (delta > 0) better++;
      if (delta < 0) worse++;
    }
    return { cell, better, worse };
  });
  const winners = lines.filter((l) => l.worse === 0 && l.better > 0);
  const described = lines
    .map((l) => `${cellName(l.cell)}: better on ${l.better}, worse on ${l.worse} of ${pairs.length}`)
    .join('; ');
  return (
    `Against the original's head (plain SGD on plain vectors, learning rate 0.01), out of fold: ${described}. ` +
    (winners.length
      ? `Better somewhere and worse nowhere: ${winners.map((w) => cellName(w.cell)).join('; ')}.`
      : 'No alternative is better for every backbone on both data sets, so the defaults stay as they are.')
  );
}

function render(rows: Row[], date: Date, cv: CvResult[]): string {
  const percent = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const best = [...rows].sort((a, b) => b.hymenopteraVal - a.hymenopteraVal)[0]!;
  return `${SECTION_TITLE}

Every registry backbone at the default settings (4000 steps, learning rate 0.01 — 0.1 for darknet_tiny_224 and
mobilenet_v1_075_224, the registry's own rate since issue 10 —, batch 100, 10% validation,
10% test, seed 0, each registry entry's resize: \`central-crop\` for the torchvision MobileNetV2
1.0, \`crop\` for the others), measured ${date.toISOString().slice(0, 10)} by \`node build/bench/backbone-accuracy.js\`,
which does for each backbone what these commands do:

\`\`\`sh
npx retrain build --model MODEL --image_dir ../shared/datasets/hymenoptera_data/train --output-dir out-ants
npx retrain eval  --model out-ants --image_dir ../shared/datasets/hymenoptera_data/val
npx retrain build --model MODEL --image_dir ../shared/datasets/flower_photos_mini --output-dir out-flowers
\`\`\`

| backbone | engine | features | ants vs bees: build test | **ants vs bees: val/ (\`retrain eval\`)** | flowers: build test | export |
|---|---|---|---|---|---|---|
${rows
  .map((r) => `| ${r.model} | ${r.engine} | ${r.features} | ${percent(r.hymenopteraTest)} (N=21) | **${percent(r.hymenopteraVal)}** (N=${r.valCount}) | ${percent(r.flowersTest)} (N=${r.flowersCount}) | ${r.formats} |`)
  .join('\n')}

Most accurate on hymenoptera val/: ${best.model} (${percent(best.hymenopteraVal)}). The build's own test sets are small (21 and
54 photos); val/ (153 photos the build never sees) is the figure to compare.
Each entry's resize was chosen by 5-fold cross-validation on train/ (\`node build/bench/feature-probe.js\`), not on
val/. One photo of val/ is 0.65 points: 95% needs 146 of 153 right.

${cvPart(cv)}`;
}

const CV_TITLE = '### How the defaults were chosen';

/** The cross-validation part of the section. */
function cvPart(cv: CvResult[]): string {
  return `${CV_TITLE}: 5-fold cross-validation on the training photos

\`node build/bench/head-cv.js\` (bench/head-cv.ts): for each backbone, every photo of hymenoptera train/ and of
flower_photos_mini (never val/) and its mirror image through the registry entry's preprocessing; the default trainer
(plain SGD, batch 100, 4000 steps, seed 0) on 4 folds, accuracy on the 5th (folds by position within each class),
for learning rates 0.01 (the default), 0.03 and 0.1, on plain vectors and on *flip-averaged* ones (the mean of
the vector of the photo and of its mirror, which would double inference); and the converged head
(\`--solver lbfgs\`: L2-regularised logistic regression to convergence, its L2 strength chosen by an inner 5-fold
cross-validation on the 4 training folds only, as a build chooses it on its training share). Out-of-fold accuracy
(photos right):

${renderHeadCv(cv)}

${cvVerdict(cv)}
`;
}

/** Replaces (or adds) this section's generated block in the text of BENCHMARKS.md; its hand-written text stays. */
export function withSection(text: string, section: string): string {
  return withBlocks(text, [{ name: 'accuracy', heading: SECTION_TITLE, body: withoutHeading(section) }]);
}

/** This section's generated block as it is in a BENCHMARKS.md text, if there. */
export function sectionOf(text: string): string | undefined {
  return blockBody(text, 'accuracy');
}

/** Every backbone's build and val/ evaluation, in a temporary folder. */
async function measureBuilds(): Promise<Row[]> {
  await initBackend('auto');
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'retrain-backbones-'));
  try {
    const rows: Row[] = [];
    for (const { name } of KNOWN_MODELS) {
      process.stderr.write(`${name}…\n`);
      rows.push(await measure(name, work));
    }
    return rows;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** The whole section: every backbone's builds and val/ evaluation, then the cross-validation of the head defaults. */
export async function measureBackboneAccuracy(): Promise<string> {
  const rows = await measureBuilds();
  return render(rows, new Date(), await measureHeadCv());
}

/** `--cv-only`: redo only the cross-validation part, keeping the measured builds and val/ figures of the section. */
async function cvOnly(text: string): Promise<string> {
  const section = sectionOf(text);
  if (!section) throw new Error('BENCHMARKS.md has no backbone accuracy section to keep: run without --cv-only');
  const kept = section.includes(CV_TITLE) ? section.slice(0, section.indexOf(CV_TITLE)) : `${section.trimEnd()}\n\n`;
  return `${kept}${cvPart(await measureHeadCv())}`;
}

/** `--builds-only`: redo the builds and val/ evaluations, keeping the section's cross-validation part as it is. */
async function buildsOnly(text: string): Promise<string> {
  const section = sectionOf(text);
  if (!section?.includes(CV_TITLE)) throw new Error('BENCHMARKS.md has no cross-validation part to keep: run without --builds-only');
  const fresh = render(await measureBuilds(), new Date(), []);
  return `${fresh.slice(0, fresh.indexOf(CV_TITLE))}${section.slice(section.indexOf(CV_TITLE))}`;
}

async function main() {
  const text = await fs.readFile(path.join(REPO, 'BENCHMARKS.md'), 'utf8').catch(() => '# Benchmarks\n');
  const section = process.argv.includes('--cv-only') ? await cvOnly(text) : process.argv.includes('--builds-only') ? await buildsOnly(text) : await measureBackboneAccuracy();
  const file = path.join(REPO, 'BENCHMARKS.md');
  await writeFileAtomic(file, withSection(await fs.readFile(file, 'utf8').catch(() => text), section));
  process.stdout.write(section);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
