import path from 'node:path';
import type { Argv } from 'yargs';
import type { AuditReport } from '../core/audit/audit.js';
import { configFlagOptions } from '../config/cli-flags.js';
import { withModelsEnv } from './models-env.js';
import { numberAtLeast } from './option-checks.js';
import { plural } from '../util/plural.js';

export function auditCommand(yargs: Argv) {
  return yargs.command(
    'audit',
    'List images that probably hurt the model: likely label errors, duplicates across classes or splits, outliers, confused classes',
    (y) =>
      y
        .options(configFlagOptions())
        .option('json', { type: 'boolean', describe: 'Print the audit as one JSON object (last line of stdout)' })
        .option('top', { type: 'number', default: 10, describe: 'Entries shown per list in the human output (--json lists every entry)' })
        .check(numberAtLeast('top', 1))
        .example('$0 audit', 'audit the data set of ./retrain.config.ts')
        .example('$0 audit --json | jq .labelIssues', 'the ranked label issues as JSON'),
    async (argv) => {
      const { auditConfig } = await import('../app/audit-config.js');
      const { readConfig } = await import('../config/read-config.js');
      const { createReporter } = await import('./build-reporter.js');
      const json = Boolean(argv.json);
      const reporter = createReporter({ json });
      const { config } = await readConfig(withModelsEnv(argv), process.cwd(), (message) => reporter.onEvent({ type: 'warning', message }));
      const report = await auditConfig(config, { onEvent: (event) => reporter.onEvent(event) });
      if (json) process.stdout.write(JSON.stringify(report) + '\n');
      else process.stdout.write(formatAudit(report, Math.max(1, argv.top), process.cwd()));
    },
  );
}

/** Short ranked lists, paths relative to the working folder. */
export function formatAudit(report: AuditReport, top: number, cwd: string): string {
  const rel = (p: string) => path.relative(cwd, p) || p;
  const lines: string[] = [];
  const section = <T>(title: string, items: T[], line: (item: T, rank: number) => string) => {
    lines.push('', `${title}: ${items.length}${items.length > top ? ` (top ${top})` : ''}`);
    items.slice(0, top).forEach((item, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${line(item, i)}`));
  };
  lines.push(`audit of ${plural(report.images, 'image')}; cross-validated accuracy ${(report.crossValidatedAccuracy * 100).toFixed(1)}%`);
  section('likely label errors', report.labelIssues, (x) => `${rel(x.path)}  labelled ${x.label}, looks like ${x.suggested}  (score ${x.score.toFixed(2)})`);
  section('duplicates', report.duplicates, (d) => {
    const why = d.crossClass ? 'different labels' : d.crossSplit ? 'across splits (test leakage)' : 'same label and split';
    return `${d.kind}${d.kind === 'near' ? ` (cosine ${d.similarity.toFixed(3)})` : ''}, ${why}: ${d.paths.map((p, i) => `${rel(p)} [${d.labels[i]}, ${d.splits[i]}]`).join(', ')}`;
  });
  section('outliers', report.outliers, (o) => `${rel(o.path)}  [${o.label}]  (${o.score.toFixed(2)}× the median neighbour distance)`);
  section('most confused classes', report.confusedPairs, (p) => `${p.classes[0]} ↔ ${p.classes[1]}: ${plural(p.count, 'image')} (${(p.rate * 100).toFixed(1)}%)`);
  return lines.join('\n') + '\n';
}
