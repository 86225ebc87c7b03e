import type { Argv } from 'yargs';
import type { AuditReport } from '../core/audit/audit.js';
import { configFlagOptions } from '../config/cli-flags.js';
import { withModelsEnv } from './models-env.js';
import { numberAtLeast } from './option-checks.js';
import { plural } from '../util/plural.js';
import { printable } from '../util/printable.js';
import { tooFewImagesMessage } from '../core/audit/too-few-images.js';

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
      // Human output: the warning is formatAudit's second line; --json: on stderr, as the build's warnings.
      if (json && report.tooFewImages) reporter.onEvent({ type: 'warning', message: tooFewImagesMessage(report.tooFewImages) });
      if (json) process.stdout.write(JSON.stringify(report) + '\n');
      else process.stdout.write(formatAudit(report, Math.max(1, argv.top)));
    },
  );
}

/**
 * Short ranked lists. Paths as on disk (absolute), as in `--json` and as `retrain eval` prints them: the same
 * file is the same string in every output, whatever the working folder; names are printed with control
 * characters escaped.
 */
export function formatAudit(report: AuditReport, top: number): string {
  const lines: string[] = [];
  const section = <T>(title: string, items: T[], line: (item: T, rank: number) => string) => {
    lines.push('', `${title}: ${items.length}${items.length > top ? ` (top ${top})` : ''}`);
    items.slice(0, top).forEach((item, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${line(item, i)}`));
  };
  if (report.tooFewImages) lines.push(`audit of ${plural(report.images, 'image')}`, `warning: ${printable(tooFewImagesMessage(report.tooFewImages))}`);
  else {
    lines.push(`audit of ${plural(report.images, 'image')}; cross-validated accuracy ${(report.crossValidatedAccuracy * 100).toFixed(1)}%`);
    section('likely label errors', report.labelIssues, (x) => `${printable(x.path)}  labelled ${printable(x.label)}, looks like ${printable(x.suggested)}  (score ${x.score.toFixed(2)})`);
  }
  section('duplicates', report.duplicates, (d) => {
    const why = d.crossClass ? 'different labels' : d.crossSplit ? 'across splits (test leakage)' : 'same label and split';
    return `${d.kind}${d.kind === 'near' ? ` (cosine ${d.similarity.toFixed(3)})` : ''}, ${why}: ${d.paths.map((p, i) => `${printable(p)} [${printable(d.labels[i]!)}, ${d.splits[i]}]`).join(', ')}`;
  });
  section('outliers', report.outliers, (o) => `${printable(o.path)}  [${printable(o.label)}]  (${o.score.toFixed(2)}× the median neighbour distance)`);
  if (!report.tooFewImages) section('most confused classes', report.confusedPairs, (p) => `${printable(p.classes[0])} ↔ ${printable(p.classes[1])}: ${plural(p.count, 'image')} (${(p.rate * 100).toFixed(1)}%)`);
  return lines.join('\n') + '\n';
}
