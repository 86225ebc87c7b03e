/**
 * The audit on real photos with planted label errors: a copy of a data set with `rate` of its images moved
 * (seeded) into another class folder; the audit's label-issue list is scored against the moved files. Then
 * the audit's time warm (every vector cached), and on generated vectors at scale.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { auditConfig } from '../src/audit/audit-config.js';
import { auditImages, DEFAULT_AUDIT_OPTIONS, type AuditReport } from '../src/audit/audit.js';
import { resolveConfig } from '../src/config/resolved-config.js';
import { Random } from '../src/train/random.js';

/** Models the registry does not describe yet: where their feature vector is (see their PROVENANCE.md). */
const MODEL_OPTIONS: Record<string, { featureLayer: string; range: [number, number] }> = {
  mobilenet_v1_075_224: { featureLayer: 'global_average_pooling2d_1', range: [-1, 1] },
};

export interface AuditQuality {
  model: string;
  images: number;
  flipped: number;
  flagged: number;
  truePositives: number;
  precision: number;
  recall: number;
  /** Audit with every vector cached: scan, hash (stat cache), LMDB reads, cross-validation, neighbours. */
  warmSeconds: number;
  crossValidatedAccuracy: number;
  nearDuplicates: number;
  outliers: number;
}

/** Copies `source` (class folders) to `target`, moving `rate` of the images (seeded) to another class. Returns the moved files' new paths. */
export async function copyWithFlippedLabels(source: string, target: string, rate: number, seed: number): Promise<Map<string, { from: string; to: string }>> {
  const classes = (await fs.readdir(source, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const files: Array<{ label: string; name: string }> = [];
  for (const label of classes) {
    await fs.mkdir(path.join(target, label), { recursive: true });
    for (const name of (await fs.readdir(path.join(source, label))).sort()) files.push({ label, name });
  }
  const random = new Random(seed);
  const order = files.map((f, i) => ({ f, r: random.next(), i })).sort((a, b) => a.r - b.r || a.i - b.i);
  const flip = new Set(order.slice(0, Math.round(files.length * rate)).map((o) => o.f));
  const flipped = new Map<string, { from: string; to: string }>();
  for (const file of files) {
    let label = file.label;
    if (flip.has(file)) {
      const others = classes.filter((c) => c !== file.label);
      label = others[random.int(others.length)]!;
    }
    const destination = path.join(target, label, file.name);
    await fs.copyFile(path.join(source, file.label, file.name), destination);
    if (label !== file.label) flipped.set(destination, { from: file.label, to: label });
  }
  return flipped;
}

export async function measureAuditQuality(dataset: string, model: string, rate = 0.1, seed = 1): Promise<AuditQuality & { flippedFiles: string[] }> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'retrain-bench-audit-'));
  try {
    const images = path.join(work, 'images');
    const flipped = await copyWithFlippedLabels(dataset, images, rate, seed);
    const config = resolveConfig({ imageDir: images, model, modelOptions: MODEL_OPTIONS[path.basename(model)], cacheDir: path.join(work, 'cache'), outputDir: path.join(work, 'out') }, process.cwd());
    await auditConfig(config); // cold: computes the vectors
    const start = performance.now();
    const report = await auditConfig(config);
    const warmSeconds = (performance.now() - start) / 1000;
    return { ...score(report, flipped), model: path.basename(model), warmSeconds, flippedFiles: [...flipped.keys()].map((p) => path.relative(images, p)) };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

function score(report: AuditReport, flipped: Map<string, unknown>) {
  const flagged = report.labelIssues.map((i) => i.path);
  const truePositives = flagged.filter((p) => flipped.has(p)).length;
  return {
    images: report.images,
    flipped: flipped.size,
    flagged: flagged.length,
    truePositives,
    precision: flagged.length ? truePositives / flagged.length : NaN,
    recall: flipped.size ? truePositives / flipped.size : NaN,
    crossValidatedAccuracy: report.crossValidatedAccuracy,
    nearDuplicates: report.duplicates.filter((d) => d.kind === 'near').length,
    outliers: report.outliers.length,
  };
}

export interface AuditScale {
  images: number;
  dimensions: number;
  classes: number;
  seconds: number;
  /** The planted label errors found (precision, recall) on the generated data. */
  precision: number;
  recall: number;
}

/** The in-memory audit on `n` generated vectors: `classes` Gaussian clusters, 2% of labels flipped. */
export function measureAuditScale(n: number, dimensions = 1280, classes = 10, seed = 7): AuditScale {
  const random = new Random(seed);
  const gaussian = () => random.truncatedNormal(1);
  const centres = Array.from({ length: classes }, () => Float32Array.from({ length: dimensions }, () => Math.max(0, gaussian())));
  const flipped = new Set<number>();
  const images = Array.from({ length: n }, (_, i) => {
    const truth = i % classes;
    const vector = Float32Array.from(centres[truth]!, (c) => Math.max(0, c + 0.8 * gaussian()));
    let label = truth;
    if (random.next() < 0.02) {
      label = (truth + 1 + random.int(classes - 1)) % classes;
      flipped.add(i);
    }
    return { path: `generated/${label}/${i}.jpg`, label: String(label), set: random.next() < 0.8 ? 'training' : 'testing', sha256: String(i), vector };
  });
  const start = performance.now();
  const report = auditImages(images, Array.from({ length: classes }, (_, c) => String(c)), {
    ...DEFAULT_AUDIT_OPTIONS,
    train: { steps: 4000, learningRate: 0.01, batchSize: 100, evalStepInterval: 10, validationBatchSize: 100, seed: 0 },
  });
  const seconds = (performance.now() - start) / 1000;
  const found = report.labelIssues.filter((issue) => flipped.has(Number(path.basename(issue.path, '.jpg')))).length;
  return { images: n, dimensions, classes, seconds, precision: found / Math.max(1, report.labelIssues.length), recall: found / Math.max(1, flipped.size) };
}

export interface AuditBench {
  quality: Array<AuditQuality & { flippedFiles: string[] }>;
  scale: AuditScale[];
}

export async function measureAudit(shared: string, models: string[], scaleSizes: number[]): Promise<AuditBench> {
  const quality = [];
  for (const model of models) {
    process.stderr.write(`  audit quality, ${model}\n`);
    quality.push(await measureAuditQuality(path.join(shared, 'datasets/flower_photos_mini'), path.join(shared, 'models', model)));
  }
  const scale = [];
  for (const n of scaleSizes) {
    process.stderr.write(`  audit of ${n} generated vectors\n`);
    scale.push(measureAuditScale(n));
  }
  return { quality, scale };
}

const f = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

/** The BENCHMARKS.md section. */
export function renderAudit({ quality, scale }: AuditBench): string {
  const rows = quality.map((q) => `| ${q.model} | ${q.images} | ${q.flipped} | ${q.flagged} | ${q.truePositives} | **${f(q.precision)}** | **${f(q.recall)}** | ${f(q.crossValidatedAccuracy)} | ${f(q.warmSeconds)} |`);
  const scaleRows = scale.map((s) => `| ${s.images.toLocaleString('en')} | ${s.dimensions} | ${s.classes} | ${f(s.seconds, 1)} | ${f(s.precision)} | ${f(s.recall)} |`);
  return `## Audit: planted label errors

\`retrain audit\` (bench/audit.ts; alone: \`node build/bench/audit.js\`) on a temp copy of flower_photos_mini in which
10% of the photos (seeded, seed 1) were moved into another class folder, chosen at random. *Precision* and
*recall* of the whole label-issue list against the moved files. *Warm*: the second \`auditConfig\` call, every
vector cached: scan, hash (stat cache), LMDB reads, 5-fold cross-validation of the head (4000 steps each, batches of 50),
nearest neighbours, confident learning. Targets: precision ≥ 0.8 at recall ≥ 0.8, warm audit of 500 images < 5 s.

| model | images | flipped | flagged | found | precision | recall | out-of-sample accuracy (noisy labels) | warm audit (s) |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Flipped files (${quality[0]?.model ?? ''}): ${quality[0]?.flippedFiles.join(', ') ?? ''}.

The in-memory audit alone on generated vectors (10 Gaussian clusters of non-negative vectors, 2% of labels
flipped; neighbours by usearch's HNSW (half precision) above 2,000 vectors, exact below):

| images | dimensions | classes | audit (s) | precision | recall |
|---|---|---|---|---|---|
${scaleRows.join('\n')}
`;
}

/** `node build/bench/audit.js [sizes…]`: this section alone, printed as Markdown. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const shared = path.resolve(process.env.RETRAIN_SHARED ?? path.join(path.dirname(process.argv[1]!), '../../../shared'));
  const sizes = process.argv.slice(2).map(Number);
  const bench = await measureAudit(shared, ['mobilenet_v1_075_224', 'mobilenet_v2_035_224'], sizes.length ? sizes : [500, 100_000]);
  process.stdout.write(renderAudit(bench));
}
