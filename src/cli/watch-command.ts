import path from 'node:path';
import type { Argv } from 'yargs';
import { configFlagOptions } from '../config/cli-flags.js';
import { WatchSession } from '../watch/watch-session.js';
import type { WatchEvent } from '../watch/watch-events.js';
import { liveAudit } from '../watch-ui/live-audit.js';
import { startUiServer } from '../watch-ui/ui-server.js';
import { createReporter } from './build-reporter.js';
import { onInterrupt } from './interrupt.js';

export function watchCommand(yargs: Argv) {
  return yargs.command(
    'watch',
    'Build, then keep the model up to date as images and the config change (Ctrl-C to stop)',
    (y) =>
      y
        .options(configFlagOptions())
        .option('json', { type: 'boolean', describe: 'Print one JSON event per line (change, bottleneck-progress, trained, exported, build, error)' })
        .option('ui', { type: 'boolean', describe: 'Serve a live curation page on 127.0.0.1 (its URL, with an access token, is printed)' })
        .option('ui-port', { type: 'number', default: 0, describe: 'Port of the --ui page [a free one]' })
        .option('quiet-ms', { type: 'number', default: 300, describe: 'A burst of file events ends after this much quiet' })
        .example('$0 watch', 'watch the folders of ./retrain.config.ts'),
    async (argv) => {
      const json = Boolean(argv.json);
      const reporter = createReporter({ json: false, stream: json ? process.stderr : process.stdout });
      const onEvent = json ? (event: WatchEvent) => process.stdout.write(JSON.stringify(event) + '\n') : (event: WatchEvent) => describe(event, reporter);
      let toUi: ((event: WatchEvent) => void) | undefined;
      const session = new WatchSession({ argv, cwd: process.cwd(), onEvent: (event) => (onEvent(event), toUi?.(event)), quietMs: argv['quiet-ms'] });
      const ui = argv.ui ? await startUiServer({ imageDirs: () => session.current.config?.imageDirs ?? [], port: Number(argv['ui-port']) || 0 }) : undefined;
      if (ui) {
        toUi = liveAudit(ui, () => session.current);
        process.stderr.write(`curation page: ${ui.url}\n`);
      }
      const stopped = new Promise<void>((resolve) => onInterrupt(() => session.stop().then(() => ui?.close()).then(resolve)));
      await session.start();
      await stopped;
    },
  );
}

/** Human output of the watch loop: build events through the build reporter, the loop's own as lines. */
function describe(event: WatchEvent, reporter: ReturnType<typeof createReporter>) {
  const say = (line: string) => reporter.onEvent({ type: 'info', message: line });
  switch (event.type) {
    case 'watching':
      return say(`watching ${event.imageDirs.join(', ')}${event.configFile ? ` and ${path.basename(event.configFile)}` : ''} (Ctrl-C to stop)`);
    case 'change': {
      const parts = [
        event.added.length && `${event.added.length} added`,
        event.changed.length && `${event.changed.length} changed`,
        event.removed.length && `${event.removed.length} removed`,
        event.folders.length && `${event.folders.length} class folders`,
        event.config && 'config',
      ].filter(Boolean);
      const names = [...event.added, ...event.changed, ...event.removed].slice(0, 3).map((f) => path.basename(f));
      return say(`\nchange: ${parts.join(', ')}${names.length ? ` (${names.join(', ')}${parts.length > 3 ? ', …' : ''})` : ''}`);
    }
    case 'config':
      return say(`config reloaded from ${event.file}`);
    case 'trained': {
      const accuracy = event.testAccuracy === null ? 'n/a' : `${(event.testAccuracy * 100).toFixed(1)}%`;
      const delta = event.testAccuracyDelta === null ? '' : ` (${event.testAccuracyDelta >= 0 ? '+' : ''}${(event.testAccuracyDelta * 100).toFixed(1)} points)`;
      return say(`new head: test accuracy ${accuracy}${delta}`);
    }
    case 'exported':
      return;
    case 'build':
      return reporter.finish(event, false);
    case 'superseded':
      return say(`superseded: ${event.reason}; rebuilding`);
    case 'error':
      return reporter.error(event.message);
    case 'stopped':
      return say('stopped; cache flushed, last model intact');
    default:
      return reporter.onEvent(event);
  }
}
