/**
 * The live page of `retrain watch --ui`: one HTML document with inline CSS and script. It subscribes to
 * /events (server-sent events) and redraws from each state (see page-state.ts: bounded lists, the rest of an
 * audit list fetched from /list a page at a time); text goes through textContent, never HTML.
 */
export function uiPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>retrain watch</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; } th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
.thumbs { display: flex; flex-wrap: wrap; gap: 10px; } figure { margin: 0; width: 170px; font-size: 12px; }
figure img { width: 160px; height: 160px; object-fit: cover; display: block; } small { word-break: break-all; color: #666; }
#status, .count { color: #666; } .error { color: #b00; } svg { border: 1px solid #ddd; } ul { margin: 0.3em 0; }
td.diagonal { font-weight: bold; }
</style></head><body>
<h1>retrain watch</h1><p id="status">connecting…</p><p id="message" role="status"></p>
<h2>Builds and accuracy over time</h2><svg id="chart" width="480" height="120"><polyline id="test-line" fill="none" stroke="#1f77b4" stroke-width="2"></polyline><polyline id="validation-line" fill="none" stroke="#ff7f0e" stroke-width="1" stroke-dasharray="4 3"></polyline></svg>
<p class="count">test accuracy (solid), validation accuracy (dashed)</p><table id="builds"></table>
<h2>What changed in the last rebuild</h2><div id="change">nothing yet: the first build</div>
<h2>Per class (test set)</h2><table id="classes"></table>
<h2>Confusion matrix (test set)</h2><table id="confusion"></table>
<h2>Likely label errors</h2><p class="count" id="labelIssues-count"></p><div id="label-issues" class="thumbs"></div><button id="labelIssues-more" hidden>show more</button>
<h2>Duplicates</h2><p class="count" id="duplicates-count"></p><div id="duplicates"></div><button id="duplicates-more" hidden>show more</button>
<h2>Outliers</h2><p class="count" id="outliers-count"></p><div id="outliers" class="thumbs"></div><button id="outliers-more" hidden>show more</button>
<h2>Most confused classes (cross-validated)</h2><table id="confused"></table>
<script>
const token = new URLSearchParams(location.search).get('token') || '';
const $ = (id) => document.getElementById(id);
const el = (tag, text, attrs = {}) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); return e; };
const pct = (x) => x === null || x === undefined ? 'n/a' : (x * 100).toFixed(1) + '%';
const q = (s) => encodeURIComponent(s);
let classes = [];
let drawnAudit = '';
async function act(kind, path, label) {
  let text, ok = false;
  try {
    const response = await fetch('/' + kind + '?token=' + q(token), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path, label }) });
    const body = await response.json();
    ok = response.ok;
    text = ok ? (kind === 'move' ? 'moved to ' + body.moved : 'moved to the trash: ' + body.trashed) + '; rebuilding…' : 'refused: ' + body.error;
  } catch (error) { text = 'refused: the watch process does not answer (' + error.message + ')'; }
  $('message').textContent = text;
  $('message').className = ok ? '' : 'error';
  if (ok) for (const f of document.querySelectorAll('figure')) if (f.dataset.path === path) f.remove();
}
function figure(path, caption, suggested) {
  const f = el('figure', undefined, { 'data-path': path });
  f.append(el('img', undefined, { src: '/thumbnail?token=' + q(token) + '&path=' + q(path), alt: path, loading: 'lazy' }));
  const c = el('figcaption'); c.append(el('b', caption), el('br'), el('small', path), el('br'));
  const select = el('select', undefined, { class: 'label' });
  for (const label of classes) { const o = el('option', label, { value: label }); if (label === suggested) o.selected = true; select.append(o); }
  const move = el('button', 'move', { class: 'move' }); move.onclick = () => act('move', path, select.value);
  const remove = el('button', 'remove', { class: 'remove' }); remove.onclick = () => act('remove', path);
  c.append(select, move, remove); f.append(c); return f;
}
const render = {
  labelIssues: (i) => figure(i.path, i.label + ' → ' + i.suggested + '? (' + i.score.toFixed(2) + ')', i.suggested),
  outliers: (o) => figure(o.path, o.label + ' (' + o.score.toFixed(2) + ')', o.label),
  duplicates: (d) => { const g = el('div', undefined, { class: 'duplicate' }); g.append(el('p', d.kind + (d.crossClass ? ', different labels' : d.crossSplit ? ', across splits' : ''))); const t = el('div', undefined, { class: 'thumbs' }); d.paths.forEach((p, i) => t.append(figure(p, d.labels[i] + ', ' + d.splits[i], d.labels[i]))); g.append(t); return g; },
};
const boxes = { labelIssues: 'label-issues', duplicates: 'duplicates', outliers: 'outliers' };
const shown = { labelIssues: 0, duplicates: 0, outliers: 0 };
function showList(name, page, append) {
  const box = $(boxes[name]);
  const items = page.items.map(render[name]);
  if (append) box.append(...items); else box.replaceChildren(...items);
  shown[name] = (append ? shown[name] : 0) + page.items.length;
  $(name + '-count').textContent = page.total === 0 ? 'none' : 'showing ' + shown[name] + ' of ' + page.total;
  $(name + '-more').hidden = shown[name] >= page.total;
}
for (const name of Object.keys(boxes)) $(name + '-more').onclick = async () => {
  const response = await fetch('/list?token=' + q(token) + '&name=' + name + '&offset=' + shown[name] + '&limit=40');
  if (response.ok) showList(name, await response.json(), true);
};
function row(cells, header, attrs) { const r = el('tr', undefined, attrs); for (const c of cells) r.append(el(header ? 'th' : 'td', String(c))); return r; }
function files(label, list) { return list.total ? label + ' ' + list.total + ': ' + list.first.join(', ') + (list.total > list.first.length ? ', …' : '') : ''; }
function draw(state) {
  classes = state.classes;
  $('status').textContent = state.buildCount + ' build(s)' + (state.auditing ? '; auditing…' : '') + (state.error ? '; last error: ' + state.error : '');
  const first = state.buildCount - state.builds.length;
  const rows = [row(['#', 'time', 'test accuracy', 'validation accuracy', 'images', 'bottlenecks computed', 'head trained', 'seconds'], true)];
  state.builds.forEach((b, i) => rows.push(row([first + i + 1, b.at.slice(11, 19), pct(b.testAccuracy), pct(b.validationAccuracy), b.images, b.computed, b.trained ? 'yes' : 'no', (b.durationMs / 1000).toFixed(1)], false, { class: 'build' })));
  $('builds').replaceChildren(rows[0], ...rows.slice(1).reverse().slice(0, 20));
  const x = (i) => 10 + i * 460 / Math.max(1, state.builds.length - 1);
  const line = (key) => state.builds.map((b, i) => b[key] === null ? '' : x(i) + ',' + (110 - 100 * b[key])).filter(Boolean).join(' ');
  $('test-line').setAttribute('points', line('testAccuracy'));
  $('validation-line').setAttribute('points', line('validationAccuracy'));
  const r = state.rebuild;
  if (r) {
    const items = [
      'test accuracy ' + pct(r.testAccuracy.before) + ' → ' + pct(r.testAccuracy.after),
      files('added', r.files.added), files('changed', r.files.changed), files('removed', r.files.removed), files('class folders added or removed', r.folders),
      r.config ? 'the config changed' : '',
      r.classes.length ? 'images per class: ' + r.classes.map((c) => c.label + ' ' + c.before + ' → ' + c.after).join(', ') : '',
      r.computed + ' bottleneck(s) computed; head ' + (r.trained ? 'retrained' : 'unchanged'),
    ].filter(Boolean);
    const ul = el('ul'); for (const t of items) ul.append(el('li', t)); $('change').replaceChildren(ul);
  }
  const last = state.lastBuild;
  if (last) {
    const classRows = [row(['class', 'images', 'test images', 'precision', 'recall'], true)];
    for (const m of last.metrics) classRows.push(row([m.label, m.images, m.test, pct(m.precision), pct(m.recall)], false, { class: 'class-metrics' }));
    $('classes').replaceChildren(...classRows);
    if (last.confusion) {
      const max = Math.max(1, ...last.confusion.flat());
      const matrix = [row(['true \\\\ predicted', ...last.classes], true)];
      last.confusion.forEach((cells, t) => {
        const tr = el('tr'); tr.append(el('th', last.classes[t]));
        cells.forEach((n, p) => { const td = el('td', String(n), { class: t === p ? 'diagonal' : 'off' }); td.style.background = 'rgba(31,119,180,' + (0.6 * n / max).toFixed(2) + ')'; tr.append(td); });
        matrix.push(tr);
      });
      $('confusion').replaceChildren(...matrix);
    } else {
      const cells = [row(['true', 'predicted', 'test images'], true)];
      for (const c of last.largestConfusions) cells.push(row([c.true, c.predicted, c.count]));
      $('confusion').replaceChildren(el('caption', last.classes.length + ' classes: the largest off-diagonal cells'), ...cells);
    }
  }
  const audit = state.audit; if (!audit) return;
  // Redrawn only when it changed: other updates (auditing…, a build) keep the thumbnails and pages shown.
  const key = JSON.stringify([audit, classes]); if (key === drawnAudit) return; drawnAudit = key;
  for (const name of Object.keys(boxes)) showList(name, audit[name], false);
  if (audit.notRanked) $('labelIssues-count').textContent = audit.notRanked;
  const pairRows = [row(['classes', 'images', 'rate'], true)];
  for (const p of audit.confusedPairs) pairRows.push(row([p.classes.join(' ↔ '), p.count, pct(p.rate)]));
  $('confused').replaceChildren(...pairRows);
}
const events = new EventSource('/events?token=' + q(token));
events.addEventListener('state', (e) => draw(JSON.parse(e.data)));
events.onerror = () => { $('status').textContent = 'disconnected; retrying…'; };
</script></body></html>`;
}
