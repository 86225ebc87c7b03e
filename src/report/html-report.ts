import { classMetrics, type ClassMetrics } from '../core/class-metrics.js';
import type { EvalPoint } from '../core/train-head.js';
import { lineChart } from './svg-chart.js';

export interface ReportInput {
  title: string;
  labels: string[];
  log: EvalPoint[];
  testAccuracy: number | null;
  testCount: number;
  validationAccuracy: number | null;
  /** confusion[true][predicted] on the test set. */
  confusion: number[][];
  misclassified: Array<{ file: string; label: string; predicted: string; thumbnail?: string }>;
  /** How many test images were misclassified in all, when `misclassified` holds only the first of them. */
  misclassifiedTotal?: number;
  details: Array<[string, string]>;
  /** The audit's sections (src/report/audit-html.ts), when the build audits. */
  auditHtml?: string;
}

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const percent = (n: number | null) => (n === null || Number.isNaN(n) ? 'n/a' : `${(n * 100).toFixed(1)}%`);

/** The build report: one self-contained HTML page (inline CSS and SVG, thumbnails as data URLs). Pure. */
export function htmlReport(input: ReportInput): string {
  const steps = (pick: (p: EvalPoint) => number | undefined) =>
    input.log.flatMap((p) => (pick(p) === undefined ? [] : [[p.step, pick(p)!] as [number, number]]));
  const accuracy = lineChart('Accuracy', [
    { name: 'train', colour: '#1f77b4', points: steps((p) => p.trainAccuracy) },
    { name: 'validation', colour: '#ff7f0e', points: steps((p) => p.validationAccuracy) },
  ]);
  const loss = lineChart('Cross entropy', [
    { name: 'train', colour: '#1f77b4', points: steps((p) => p.crossEntropy) },
    { name: 'validation', colour: '#ff7f0e', points: steps((p) => p.validationCrossEntropy) },
  ]);
  const max = Math.max(1, ...input.confusion.flat());
  const confusion = `<table class="confusion"><tr><th>true \\ predicted</th>${input.labels.map((l) => `<th>${escape(l)}</th>`).join('')}</tr>${input.confusion
    .map(
      (row, t) =>
        `<tr><th>${escape(input.labels[t]!)}</th>${row
          .map((n, p) => `<td style="background: rgba(${t === p ? '31,119,180' : '214,39,40'}, ${(n / max).toFixed(2)})">${n}</td>`)
          .join('')}</tr>`,
    )
    .join('')}</table>`;
  const metrics: ClassMetrics[] = classMetrics(input.confusion, input.labels);
  const perClass = `<table class="per-class"><tr><th>class</th><th>test images</th><th>precision</th><th>recall</th></tr>${metrics
    .map((m) => `<tr><td>${escape(m.label)}</td><td>${m.support}</td><td>${percent(m.precision)}</td><td>${percent(m.recall)}</td></tr>`)
    .join('')}</table>`;
  const total = input.misclassifiedTotal ?? input.misclassified.length;
  const some =
    total > input.misclassified.length
      ? `<p>Showing the first ${input.misclassified.length.toLocaleString('en')} of ${total.toLocaleString('en')}; <code>retrain eval --json</code> lists them all.</p>`
      : '';
  const misclassified =
    input.misclassified.length === 0
      ? '<p>None.</p>'
      : `${some}<div class="thumbs">${input.misclassified
          .map(
            (m) =>
              `<figure>${m.thumbnail ? `<img alt="${escape(m.file)}" src="${m.thumbnail}">` : ''}<figcaption><b>${escape(m.label)}</b> → ${escape(m.predicted)}<br><small>${escape(m.file)}</small></figcaption></figure>`,
          )
          .join('')}</div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(input.title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; } th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: right; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; } .thumbs { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; width: 160px; } figure img { width: 160px; height: 160px; object-fit: cover; } small { color: #666; word-break: break-all; }
</style></head><body>
<h1>${escape(input.title)}</h1>
<p>Test accuracy <b>${percent(input.testAccuracy)}</b> (N=${input.testCount}), validation accuracy ${percent(input.validationAccuracy)}.</p>
<table class="details">${input.details.map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(v)}</td></tr>`).join('')}</table>
<h2>Training</h2><div class="charts">${accuracy}${loss}</div>
<h2>Test set: confusion matrix</h2>${confusion}
<h2>Per class</h2>${perClass}
<h2>Misclassified test images</h2>${misclassified}
${input.auditHtml ?? ''}
</body></html>
`;
}
