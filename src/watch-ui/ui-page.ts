/**
 * The live page of `retrain watch --ui`: one HTML document with inline CSS and script. It subscribes to
 * /events (server-sent events) and redraws from each state; text goes through textContent, never HTML.
 */
export function uiPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>retrain watch</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; } th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
.thumbs { display: flex; flex-wrap: wrap; gap: 10px; } figure { margin: 0; width: 170px; font-size: 12px; }
figure img { width: 160px; height: 160px; object-fit: cover; display: block; } small { word-break: break-all; color: #666; }
#status { color: #666; } .error { color: #b00; } svg { border: 1px solid #ddd; }
</style></head><body>
<h1>retrain watch</h1><p id="status">connecting…</p><p id="message"></p>
<h2>Builds</h2><svg id="chart" width="480" height="120"></svg><table id="builds"></table>
<h2>Per class (images)</h2><table id="classes"></table>
<h2>Last change</h2><p id="change">none yet</p>
<h2>Likely label errors</h2><div id="label-issues" class="thumbs"></div>
<h2>Duplicates</h2><div id="duplicates"></div>
<h2>Outliers</h2><div id="outliers" class="thumbs"></div>
<h2>Most confused classes</h2><table id="confused"></table>
<script>
const token = new URLSearchParams(location.search).get('token') || '';
const $ = (id) => document.getElementById(id);
const el = (tag, text, attrs = {}) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); return e; };
const pct = (x) => x === null || x === undefined ? 'n/a' : (x * 100).toFixed(1) + '%';
let classes = [];
async function act(kind, path, label) {
  const response = await fetch('/' + kind + '?token=' + encodeURIComponent(token), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path, label }) });
  const body = await response.json();
  $('message').textContent = response.ok ? (kind === 'move' ? 'moved to ' + body.moved : 'moved to the trash: ' + body.trashed) + '; rebuilding…' : 'refused: ' + body.error;
  $('message').className = response.ok ? '' : 'error';
}
function figure(path, caption, suggested) {
  const f = el('figure', undefined, { 'data-path': path });
  f.append(el('img', undefined, { src: '/thumbnail?token=' + encodeURIComponent(token) + '&path=' + encodeURIComponent(path), alt: path }));
  const c = el('figcaption'); c.append(el('b', caption), el('br'), el('small', path), el('br'));
  const select = el('select', undefined, { class: 'label' });
  for (const label of classes) { const o = el('option', label, { value: label }); if (label === suggested) o.selected = true; select.append(o); }
  const move = el('button', 'move', { class: 'move' }); move.onclick = () => act('move', path, select.value);
  const remove = el('button', 'remove', { class: 'remove' }); remove.onclick = () => act('remove', path);
  c.append(select, move, remove); f.append(c); return f;
}
function draw(state) {
  classes = state.classes;
  $('status').textContent = state.builds.length + ' build(s)' + (state.auditing ? '; auditing…' : '') + (state.error ? '; last error: ' + state.error : '');
  const rows = [el('tr')]; for (const h of ['#', 'time', 'test accuracy', 'validation accuracy', 'images', 'bottlenecks computed', 'seconds']) rows[0].append(el('th', h));
  state.builds.forEach((b, i) => { const r = el('tr', undefined, { class: 'build' }); for (const v of [i + 1, b.at.slice(11, 19), pct(b.testAccuracy), pct(b.validationAccuracy), b.images, b.computed, (b.durationMs / 1000).toFixed(1)]) r.append(el('td', String(v))); rows.push(r); });
  $('builds').replaceChildren(...rows);
  const points = state.builds.map((b, i) => [10 + i * 460 / Math.max(1, state.builds.length - 1), 110 - 100 * (b.testAccuracy ?? 0)]);
  $('chart').innerHTML = '<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="' + points.map((p) => p.join(',')).join(' ') + '"></polyline>';
  const last = state.builds[state.builds.length - 1];
  const classRows = [el('tr')]; classRows[0].append(el('th', 'class'), el('th', 'images'));
  if (last) for (const [label, n] of Object.entries(last.classCounts)) { const r = el('tr'); r.append(el('td', label), el('td', String(n))); classRows.push(r); }
  $('classes').replaceChildren(...classRows);
  if (state.lastChange) { const c = state.lastChange; $('change').textContent = c.added.length + ' added, ' + c.changed.length + ' changed, ' + c.removed.length + ' removed: ' + [...c.added, ...c.changed, ...c.removed].slice(0, 5).join(', '); }
  const audit = state.audit; if (!audit) return;
  $('label-issues').replaceChildren(...audit.labelIssues.slice(0, 30).map((i) => figure(i.path, i.label + ' → ' + i.suggested + '? (' + i.score.toFixed(2) + ')', i.suggested)));
  $('duplicates').replaceChildren(...audit.duplicates.slice(0, 20).map((d) => { const g = el('div', undefined, { class: 'duplicate' }); g.append(el('p', d.kind + (d.crossClass ? ', different labels' : d.crossSplit ? ', across splits' : ''))); const t = el('div', undefined, { class: 'thumbs' }); d.paths.forEach((p, i) => t.append(figure(p, d.labels[i] + ', ' + d.splits[i], d.labels[i]))); g.append(t); return g; }));
  $('outliers').replaceChildren(...audit.outliers.slice(0, 20).map((o) => figure(o.path, o.label + ' (' + o.score.toFixed(2) + ')', o.label)));
  const pairRows = [el('tr')]; pairRows[0].append(el('th', 'classes'), el('th', 'images'), el('th', 'rate'));
  for (const p of audit.confusedPairs) { const r = el('tr'); r.append(el('td', p.classes.join(' ↔ ')), el('td', String(p.count)), el('td', pct(p.rate))); pairRows.push(r); }
  $('confused').replaceChildren(...pairRows);
}
const events = new EventSource('/events?token=' + encodeURIComponent(token));
events.addEventListener('state', (e) => draw(JSON.parse(e.data)));
events.onerror = () => { $('status').textContent = 'disconnected; retrying…'; };
</script></body></html>`;
}
