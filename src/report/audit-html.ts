import type { AuditReport } from '../core/audit/audit.js';
import { plural } from '../util/plural.js';
import { tooFewImagesMessage } from '../core/audit/too-few-images.js';

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** How many entries of each list the page shows. */
export const AUDIT_HTML_TOP = 24;

/**
 * The audit's sections for an HTML page: likely label errors, duplicates, outliers (with thumbnails from
 * `thumbnails`, path → data URL) and the most confused classes. Pure.
 */
export function auditSectionsHtml(audit: AuditReport, thumbnails: ReadonlyMap<string, string>, top = AUDIT_HTML_TOP): string {
  const figure = (file: string, caption: string) => {
    const src = thumbnails.get(file);
    return `<figure data-path="${escape(file)}">${src ? `<img alt="${escape(file)}" src="${src}">` : ''}<figcaption>${caption}<br><small>${escape(file)}</small></figcaption></figure>`;
  };
  const more = (n: number) => (n > top ? `<p>… and ${n - top} more (<code>retrain audit --json</code> lists them all).</p>` : '');
  const list = <T>(items: T[], render: (item: T) => string) =>
    items.length === 0 ? '<p>None.</p>' : `<div class="thumbs">${items.slice(0, top).map(render).join('')}</div>${more(items.length)}`;
  const issues = list(audit.labelIssues, (i) => figure(i.path, `<b>${escape(i.label)}</b> → ${escape(i.suggested)}? (${i.score.toFixed(2)})`));
  const duplicates =
    audit.duplicates.length === 0
      ? '<p>None.</p>'
      : `${audit.duplicates
          .slice(0, top)
          .map((d) => {
            const why = d.crossClass ? 'different labels' : d.crossSplit ? 'across splits (test leakage)' : 'same label and split';
            const what = d.kind === 'identical' ? 'identical files' : `near-duplicates (cosine ${d.similarity.toFixed(3)})`;
            return `<div class="duplicate"><p>${what}, ${why}</p><div class="thumbs">${d.paths.map((p, i) => figure(p, `<b>${escape(d.labels[i]!)}</b>, ${escape(d.splits[i]!)}`)).join('')}</div></div>`;
          })
          .join('')}${more(audit.duplicates.length)}`;
  const outliers = list(audit.outliers, (o) => figure(o.path, `<b>${escape(o.label)}</b> (${o.score.toFixed(2)}× median distance)`));
  const pairs =
    audit.confusedPairs.length === 0
      ? '<p>None.</p>'
      : `<table class="confused-pairs"><tr><th>classes</th><th>images</th><th>rate</th></tr>${audit.confusedPairs
          .slice(0, top)
          .map((p) => `<tr><td>${escape(p.classes[0])} ↔ ${escape(p.classes[1])}</td><td>${p.count}</td><td>${(p.rate * 100).toFixed(1)}%</td></tr>`)
          .join('')}</table>`;
  const ranked = audit.tooFewImages
    ? `<p class="warning">${escape(tooFewImagesMessage(audit.tooFewImages))}.</p>`
    : `<p>Out-of-sample accuracy (5-fold cross-validation, blended with neighbours' labels): ${(audit.crossValidatedAccuracy * 100).toFixed(1)}%.</p>
<h3 id="label-issues">Likely label errors (${audit.labelIssues.length})</h3>${issues}`;
  return `<section id="audit"><h2>Audit of ${plural(audit.images, 'image')}</h2>
${ranked}
<h3 id="duplicates">Duplicates (${audit.duplicates.length})</h3>${duplicates}
<h3 id="outliers">Outliers (${audit.outliers.length})</h3>${outliers}
${audit.tooFewImages ? '' : `<h3 id="confused-pairs">Most confused classes</h3>${pairs}`}
</section>`;
}

/** Every path the page shows, for making thumbnails. */
export function auditPaths(audit: AuditReport, top = AUDIT_HTML_TOP): string[] {
  return [
    ...new Set([
      ...audit.labelIssues.slice(0, top).map((i) => i.path),
      ...audit.duplicates.slice(0, top).flatMap((d) => d.paths),
      ...audit.outliers.slice(0, top).map((o) => o.path),
    ]),
  ];
}
