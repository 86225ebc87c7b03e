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
import { evaluateFolder } from '../src/evaluate/evaluate-folder.js';
import { initBackend } from '../src/model/backend.js';
import { KNOWN_MODELS } from '../src/model/registry.js';
import { build } from '../src/pipeline/build.js';
import { loadClassifier } from '../src/predict/load-classifier.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';

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

function render(rows: Row[], date: Date): string {
  const percent = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const best = [...rows].sort((a, b) => b.hymenopteraVal - a.hymenopteraVal)[0]!;
  return `${SECTION_TITLE}

Every registry backbone at the default settings (4000 steps, learning rate 0.01, batch 100, 10% validation,
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
`;
}

/** Replaces (or appends) this section in the text of BENCHMARKS.md. */
export function withSection(text: string, section: string): string {
  const start = text.indexOf(SECTION_TITLE);
  if (start < 0) return `${text.trimEnd()}\n\n${section}`;
  const next = text.indexOf('\n## ', start + SECTION_TITLE.length);
  return text.slice(0, start) + section + (next < 0 ? '' : text.slice(next + 1));
}

/** This section as it is in a BENCHMARKS.md text, if there. */
export function sectionOf(text: string): string | undefined {
  const start = text.indexOf(SECTION_TITLE);
  if (start < 0) return undefined;
  const next = text.indexOf('\n## ', start + SECTION_TITLE.length);
  return text.slice(start, next < 0 ? undefined : next + 1);
}

async function main() {
  await initBackend('auto');
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'retrain-backbones-'));
  const rows: Row[] = [];
  for (const { name } of KNOWN_MODELS) {
    process.stderr.write(`${name}…\n`);
    rows.push(await measure(name, work));
  }
  const file = path.join(REPO, 'BENCHMARKS.md');
  const section = render(rows, new Date());
  await writeFileAtomic(file, withSection(await fs.readFile(file, 'utf8').catch(() => '# Benchmarks\n'), section));
  process.stdout.write(section);
  await fs.rm(work, { recursive: true, force: true });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
