export interface Series {
  name: string;
  colour: string;
  points: Array<[number, number]>;
}

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A small line chart as inline SVG (no script, no external file). Pure. */
export function lineChart(title: string, series: readonly Series[], { width = 520, height = 260 } = {}): string {
  const all = series.flatMap((s) => s.points);
  const pad = { left: 52, right: 12, top: 28, bottom: 34 };
  const [x0, x1] = [Math.min(...all.map((p) => p[0]), 0), Math.max(...all.map((p) => p[0]), 1)];
  const [y0, y1] = [Math.min(...all.map((p) => p[1]), 0), Math.max(...all.map((p) => p[1]), 1e-9)];
  const sx = (x: number) => pad.left + ((x - x0) / (x1 - x0 || 1)) * (width - pad.left - pad.right);
  const sy = (y: number) => height - pad.bottom - ((y - y0) / (y1 - y0 || 1)) * (height - pad.top - pad.bottom);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => y0 + t * (y1 - y0));
  const lines = series
    .filter((s) => s.points.length > 0)
    .map((s) => `<polyline class="series" data-name="${escape(s.name)}" fill="none" stroke="${s.colour}" stroke-width="1.5" points="${s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`);
  const legend = [
    `<text x="${width - pad.right}" y="16" text-anchor="end" font-weight="bold">${escape(title)}</text>`,
    ...series.map((s, i) => `<text x="${pad.left + 8 + i * 110}" y="16" fill="${s.colour}">■ ${escape(s.name)}</text>`),
  ];
  return [
    `<svg class="chart" role="img" aria-label="${escape(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${escape(title)}</title>`,
    ...ticks.map((t) => `<line x1="${pad.left}" x2="${width - pad.right}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#ddd"/><text x="${pad.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" font-size="11">${t.toPrecision(3)}</text>`),
    `<text x="${width / 2}" y="${height - 6}" text-anchor="middle" font-size="11">step (0 – ${x1})</text>`,
    ...lines,
    ...legend,
    '</svg>',
  ].join('\n');
}
