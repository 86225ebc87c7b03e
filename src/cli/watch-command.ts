import path from 'node:path';
import type { Argv } from 'yargs';
import { configFlagOptions } from '../config/cli-flags.js';
import { withModelsEnv } from './models-env.js';
import type { WatchEvent } from '../app/watch-events.js';
import { explainStage } from '../pipeline/explain-stage.js';
import { plural } from '../util/plural.js';
import type { createReporter } from './build-reporter.js';
import { needsValue, numberAtLeast } from './option-checks.js';

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
        .option('queue', { type: 'string', describe: 'redis://host:port: missing bottlenecks are computed by `retrain worker`s (needs --remote-cache)' })
        .check(needsValue('queue', 'redis://host:port of the Redis the `retrain worker`s take jobs from'))
        .option('quiet-ms', { type: 'number', default: 300, describe: 'Milliseconds without file events that end a burst (one rebuild per burst)' })
        .check(numberAtLeast('quiet-ms', 0))
        .check(numberAtLeast('ui-port', 0))
        .check((argv) => Number(argv['ui-port']) <= 65535 || `--ui-port ${String(argv['ui-port'])}: must be a port number, 0 to 65535 (0: a free one)`)
        .example('$0 watch', 'watch the folders of ./retrain.config.ts'),
    async (argv) => {
      const { WatchSession } = await import('../app/watch-session.js');
      const { createReporter } = await import('./build-reporter.js');
      const { onInterrupt } = await import('./interrupt.js');
      const { liveAudit } = await import('../app/watch-ui/live-audit.js');
      const { startUiServer } = await import('../app/watch-ui/ui-server.js');
      const json = Boolean(argv.json);
      const reporter = createReporter({ json: false, stream: json ? process.stderr : process.stdout });
      const onEvent = json ? (event: WatchEvent) => process.stdout.write(JSON.stringify(event) + '\n') : (event: WatchEvent) => describe(event, reporter);
      let toUi: ((event: WatchEvent) => void) | undefined;
      const { quietSdkNodeWarning, withRemoteEnv } = await import('./remote-env.js');
      quietSdkNodeWarning();
      const session = new WatchSession({ argv: withModelsEnv(withRemoteEnv(argv)), cwd: process.cwd(), onEvent: (event) => (onEvent(event), toUi?.(event)), quietMs: argv['quiet-ms'], queue: argv.queue as string | undefined });
      const port = Number(argv['ui-port']) || 0;
      const ui = argv.ui
        ? await startUiServer({ scope: () => ({ imageDirs: session.current.config?.imageDirs ?? [], labels: session.current.config?.labels }), port }).catch((error: NodeJS.ErrnoException) => {
            throw error.code === 'EADDRINUSE' ? new Error(`--ui-port ${port}: 127.0.0.1:${port} is in use by another program; choose another port, or leave --ui-port out for a free one`) : error;
          })
        : undefined;
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
        event.folders.length && plural(event.folders.length, 'class folder'),
        event.config && 'config',
      ].filter(Boolean);
      if (parts.length === 0) return; // only folders gone or back, or errors: their own lines say it
      const files = [...event.added, ...event.changed, ...event.removed];
      const names = files.slice(0, 3).map((f) => path.basename(f));
      say('');
      return say(`change: ${parts.join(', ')}${names.length ? ` (${names.join(', ')}${files.length > 3 ? ', …' : ''})` : ''}`);
    }
    case 'stale':
      // The same lines as `retrain status`.
      for (const stage of event.stages) say(`what changed: ${explainStage(stage)}`);
      return;
    case 'config':
      return say(`config reloaded from ${event.file}`);
    case 'config-gone':
      return reporter.onEvent({ type: 'warning', message: `config file ${event.file} was deleted; keeping the previous config until it is back` });
    case 'image-folder':
      return event.state === 'gone'
        ? reporter.onEvent({ type: 'warning', message: `image folder ${event.path} is gone; the last model stays, and building resumes when it is back` })
        : say(`image folder ${event.path} is back; watching it again`);
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
