import type { ExperimentResult } from './run-experiments.js';

/** The comparison as a Markdown table, best marked. Pure. */
export function comparisonMarkdown(results: readonly ExperimentResult[], best?: string): string {
  const percent = (n: number | null) => (n === null ? 'n/a' : `${(n * 100).toFixed(1)}%`);
  const rows = results.map(
    (r) =>
      `| ${r.name === best ? `**${r.name}**` : r.name} | ${r.status}${r.note ? `: ${r.note.replace(/\|/g, '\\|')}` : ''} | ${percent(r.validationAccuracy)} | ${percent(r.testAccuracy)} (N=${r.testCount}) | ${r.trainSeconds.toFixed(2)} | ${r.bottlenecksComputed} | ${r.variantsComputed} |`,
  );
  return [
    '| experiment | result | validation accuracy | test accuracy | training (s) | bottlenecks computed | variants computed |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
