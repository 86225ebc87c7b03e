import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditImages, DEFAULT_AUDIT_OPTIONS, type AuditImage } from '../src/core/audit/audit.js';
import { confidentJoint, confidentLearningCount, findLabelIssues, LABEL_ISSUE_MARGIN, labelErrorRanking, labelIssueCount, mispredictedByMargin } from '../src/core/audit/confident-learning.js';
import { confusedPairs } from '../src/core/audit/confused-pairs.js';
import { stratifiedFolds } from '../src/core/audit/cross-validated-probabilities.js';
import { nearestNeighbours } from '../src/core/audit/neighbours.js';
import { Random } from '../src/core/random.js';
import { formatAudit } from '../src/cli/audit-command.js';
import { auditSectionsHtml } from '../src/report/audit-html.js';

const TRAIN = { steps: 300, learningRate: 0.05, batchSize: 50, evalStepInterval: 10, validationBatchSize: 100, seed: 0 };
const CLASSES = ['a', 'b', 'c'];

/** Three separated clusters of non-negative vectors (like ReLU bottlenecks), 40 images each. */
function clusters(seed = 3, perClass = 40, dimensions = 24): AuditImage[] {
  const random = new Random(seed);
  const centres = CLASSES.map(() => Float32Array.from({ length: dimensions }, () => 3 * random.next()));
  const images: AuditImage[] = [];
  CLASSES.forEach((label, c) => {
    for (let i = 0; i < perClass; i++) {
      const vector = Float32Array.from(centres[c]!, (x) => Math.max(0, x + random.truncatedNormal(0.5)));
      images.push({ path: `/data/${label}/${i}.jpg`, label, set: i % 5 === 0 ? 'testing' : 'training', sha256: `${label}${i}`, vector });
    }
  });
  return images;
}

describe('audit (pure, on constructed vectors)', () => {
  it('finds a planted mislabel and suggests its true class', () => {
    const images = clusters();
    const planted = images.findIndex((i) => i.path === '/data/a/7.jpg');
    images[planted] = { ...images[planted]!, label: 'c', path: '/data/c/planted.jpg' };
    const report = auditImages(images, CLASSES, { ...DEFAULT_AUDIT_OPTIONS, train: TRAIN });
    const issue = report.labelIssues.find((i) => i.path === '/data/c/planted.jpg');
    assert.ok(issue, `planted mislabel not found in ${JSON.stringify(report.labelIssues)}`);
    assert.equal(issue.label, 'c');
    assert.equal(issue.suggested, 'a');
    assert.equal(report.labelIssues[0]!.path, '/data/c/planted.jpg', 'the planted mislabel ranks first');
    assert.ok(report.labelIssues.length <= 3, `few false alarms on clean clusters: ${report.labelIssues.length}`);
  });

  it('flags a near-duplicate across classes, identical content across classes, and leakage across splits', () => {
    const images = clusters();
    const source = images[3]!; // a/3, training
    const nudged = Float32Array.from(source.vector, (x, d) => x + (d === 0 ? 0.01 : 0));
    images.push({ path: '/data/b/copy-of-a3.jpg', label: 'b', set: 'training', sha256: 'other-bytes', vector: nudged });
    images.push({ path: '/data/c/same-bytes.jpg', label: 'c', set: 'training', sha256: images[10]!.sha256, vector: images[10]!.vector });
    images.push({ path: '/data/a/leak.jpg', label: 'a', set: 'testing', sha256: 'leak', vector: Float32Array.from(images[21]!.vector) });
    const report = auditImages(images, CLASSES, { ...DEFAULT_AUDIT_OPTIONS, train: TRAIN });
    const near = report.duplicates.find((d) => d.paths.includes('/data/b/copy-of-a3.jpg'));
    assert.ok(near, 'near-duplicate found');
    assert.equal(near.kind, 'near');
    assert.deepEqual(new Set(near.paths), new Set(['/data/a/3.jpg', '/data/b/copy-of-a3.jpg']));
    assert.ok(near.crossClass);
    const identical = report.duplicates.find((d) => d.kind === 'identical');
    assert.deepEqual(identical?.paths, ['/data/a/10.jpg', '/data/c/same-bytes.jpg']);
    assert.ok(identical?.crossClass);
    const leak = report.duplicates.find((d) => d.paths.includes('/data/a/leak.jpg'));
    assert.ok(leak?.crossSplit && !leak.crossClass, 'same-class copy in the test set is flagged as leakage');
    // Ranked: contradictory labels before leakage.
    const ranks = report.duplicates.map((d) => (d.crossClass ? 0 : d.crossSplit ? 1 : 2));
    assert.deepEqual(ranks, [...ranks].sort());
    // Independent images of one cluster are not near-duplicates of each other.
    assert.equal(report.duplicates.length, 3, JSON.stringify(report.duplicates));
  });

  it('ranks an isolated image as the top outlier', () => {
    const images = clusters();
    images.push({ path: '/data/b/far.jpg', label: 'b', set: 'training', sha256: 'far', vector: Float32Array.from({ length: 24 }, (_, d) => (d % 2 ? 9 : 0)) });
    const report = auditImages(images, CLASSES, { ...DEFAULT_AUDIT_OPTIONS, train: TRAIN });
    assert.equal(report.outliers[0]?.path, '/data/b/far.jpg');
  });

  it('is deterministic', () => {
    const a = auditImages(clusters(), CLASSES, { ...DEFAULT_AUDIT_OPTIONS, train: TRAIN });
    const b = auditImages(clusters(), CLASSES, { ...DEFAULT_AUDIT_OPTIONS, train: TRAIN });
    assert.deepEqual(a, b);
  });
});

describe('confident learning', () => {
  it('thresholds are the per-class mean self-confidence, and the joint counts confident off-diagonals', () => {
    const probabilities = [
      [0.9, 0.1],
      [0.7, 0.3],
      [0.2, 0.8],
      [0.4, 0.6],
      [0.85, 0.15], // labelled 1, confidently 0
    ];
    const labels = [0, 0, 1, 1, 1];
    const { thresholds, counts } = confidentJoint(probabilities, labels, 2);
    assert.ok(Math.abs(thresholds[0]! - 0.8) < 1e-12);
    assert.ok(Math.abs(thresholds[1]! - (0.8 + 0.6 + 0.15) / 3) < 1e-12);
    assert.deepEqual([...counts], [1, 0, 1, 2]);
    const issues = findLabelIssues(probabilities, labels, 2);
    assert.deepEqual(issues.map((i) => [i.index, i.suggested]), [[4, 0]]);
    // The score is the margin of the suggested class over the given one (minus cleanlab's normalized margin).
    assert.ok(Math.abs(issues[0]!.score - (0.85 - 0.15)) < 1e-12);
  });

  it('pruning decides how many; the clearest errors (largest margin over the given label) are the ones listed', () => {
    // Class 0 is confidently itself (threshold 0.9), so image 6 (labelled 1, 0.85 for class 0) lands in no cell of
    // the confident joint; image 5 (labelled 0, 0.55 for class 1, just over class 1's threshold 0.49) fills cell
    // (0, 1), so pruning by noise rate finds one issue. Cell by cell it would be image 5, barely off its label;
    // of the two mispredicted images, image 6 is the clearer error.
    const probabilities = [
      ...Array.from({ length: 5 }, () => [0.99, 0.01, 0]),
      [0.45, 0.55, 0],
      [0.85, 0.15, 0],
      ...Array.from({ length: 3 }, () => [0.4, 0.6, 0]),
      [0, 0, 1],
      [0, 0, 1],
    ];
    const labels = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2];
    const { counts } = confidentJoint(probabilities, labels, 3);
    assert.equal(counts[0 * 3 + 1], 1, 'image 5 is the only off-diagonal count');
    assert.equal(counts[1 * 3 + 0], 0, 'image 6 is confidently nothing');
    const issues = findLabelIssues(probabilities, labels, 3);
    assert.deepEqual(issues.map((i) => [i.index, i.label, i.suggested]), [[6, 1, 0]]);
    assert.ok(Math.abs(issues[0]!.score - 0.7) < 1e-12);
    // The list is the head of the ranking of all images; image 5 would come next.
    assert.deepEqual(labelErrorRanking(probabilities, labels, 3).slice(0, 2), [6, 5]);
  });

  it('the list is the mean of confident learning\'s count and the mispredicted images with margin > LABEL_ISSUE_MARGIN, largest margin first', () => {
    // Class 0: 40 confidently itself, 10 confidently class 1 (margin 0.9), 6 barely class 1 (margin 0.1, under
    // class 1's threshold 0.9); class 1: 40 confidently itself. Row 0 of the confident joint is [40, 10], calibrated
    // to class 0's 56 images: round(11.2) = 11 pruned, all mispredicted: the count is 11 of 16 mispredicted, 10 of
    // which have a margin above 0.3.
    const probabilities = [
      ...Array.from({ length: 40 }, () => [0.9, 0.1]),
      ...Array.from({ length: 10 }, () => [0.05, 0.95]),
      ...Array.from({ length: 6 }, () => [0.45, 0.55]),
      ...Array.from({ length: 40 }, () => [0.1, 0.9]),
    ];
    const labels = [...Array.from({ length: 56 }, () => 0), ...Array.from({ length: 40 }, () => 1)];
    assert.equal(confidentLearningCount(probabilities, labels, 2), 11);
    const ranked = mispredictedByMargin(probabilities, labels, 2);
    assert.deepEqual(ranked.map((i) => i.index), Array.from({ length: 16 }, (_, i) => 40 + i));
    assert.equal(LABEL_ISSUE_MARGIN, 0.3);
    assert.equal(labelIssueCount(11, ranked), 11, 'round((11 + 10) / 2) = 11');
    assert.deepEqual(findLabelIssues(probabilities, labels, 2), ranked.slice(0, 11));
    // A confident-learning count from elsewhere (the cleaning round's): round((2 + 10) / 2) = 6, round((30 + 10) / 2) = 20 → all 16.
    assert.deepEqual(findLabelIssues(probabilities, labels, 2, 2), ranked.slice(0, 6));
    assert.deepEqual(findLabelIssues(probabilities, labels, 2, 30), ranked, 'never more than the mispredicted images');
  });

  it('never flags an image predicted as its given label', () => {
    const issues = findLabelIssues([[0.6, 0.4], [0.55, 0.45], [0.1, 0.9]], [0, 0, 1], 2);
    assert.deepEqual(issues, []);
  });
});

describe('helpers', () => {
  it('stratified folds give every fold every class', () => {
    const labels = Array.from({ length: 53 }, (_, i) => i % 3);
    const folds = stratifiedFolds(labels, 3, 5, 0);
    for (let f = 0; f < 5; f++) for (let c = 0; c < 3; c++) assert.ok(labels.some((l, i) => l === c && folds[i] === f));
  });

  it('nearest neighbours exclude the image itself and agree with a brute-force search', () => {
    const random = new Random(1);
    const n = 60;
    const d = 8;
    const matrix = Float32Array.from({ length: n * d }, () => random.next() - 0.5);
    const { indices, similarities } = nearestNeighbours(matrix, d, 3);
    const cos = (a: number, b: number) => {
      let ab = 0, aa = 0, bb = 0;
      for (let k = 0; k < d; k++) (ab += matrix[a * d + k]! * matrix[b * d + k]!), (aa += matrix[a * d + k]! ** 2), (bb += matrix[b * d + k]! ** 2);
      return ab / Math.sqrt(aa * bb);
    };
    for (let i = 0; i < n; i++) {
      const best = [...Array(n).keys()].filter((j) => j !== i).sort((a, b) => cos(i, b) - cos(i, a)).slice(0, 3);
      assert.deepEqual([...indices.slice(i * 3, i * 3 + 3)], best);
      assert.ok(Math.abs(similarities[i * 3]! - cos(i, best[0]!)) < 1e-4);
    }
  });

  it('confused pairs count both directions over both classes', () => {
    assert.deepEqual(confusedPairs([1, 0, 1, 2, 2], [0, 0, 1, 1, 2], 3), [
      { classes: [1, 2], count: 1, rate: 1 / 3 },
      { classes: [0, 1], count: 1, rate: 0.25 },
    ]);
  });
});

// Before the fix: "audit of 1 images" and "a ↔ b: 1 images" in the text, "Audit of 1 images" in the HTML report.
describe('audit output counts', () => {
  it('say "1 image", "2 images"', () => {
    const report = (images: number, count: number) => ({
      labelIssues: [], duplicates: [], outliers: [], confusedPairs: [{ classes: ['a', 'b'] as [string, string], count, rate: 0.5 }], crossValidatedAccuracy: 1, images,
    });
    const one = formatAudit(report(1, 1), 5);
    assert.match(one, /^audit of 1 image; /);
    assert.match(one, /a ↔ b: 1 image \(50\.0%\)/);
    assert.match(auditSectionsHtml(report(1, 1), new Map()), /<h2>Audit of 1 image<\/h2>/);
    const two = formatAudit(report(2, 2), 5);
    assert.match(two, /^audit of 2 images; /);
    assert.match(two, /a ↔ b: 2 images \(50\.0%\)/);
    assert.match(auditSectionsHtml(report(2, 2), new Map()), /<h2>Audit of 2 images<\/h2>/);
  });
});
