import { auditConfig } from '../audit/audit-config.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import type { BuildResources } from '../pipeline/build-resources.js';
import type { WatchEvent } from '../watch/watch-events.js';
import type { UiServer } from './ui-server.js';

/**
 * Feeds the page from the watch loop's events: each build is appended to the history, the last change is
 * kept, and after each build the audit runs on the (cached) vectors of the current config. Audits never
 * overlap: builds that finish during one cause one more audit after it.
 */
export function liveAudit(ui: UiServer, current: () => { config: ResolvedConfig; resources?: BuildResources }): (event: WatchEvent) => void {
  let running: Promise<void> | undefined;
  let again = false;
  const audit = async () => {
    do {
      again = false;
      ui.update({ auditing: true });
      try {
        const { config, resources } = current();
        ui.update({ audit: await auditConfig(config, { resources }), auditing: false, error: undefined });
      } catch (error) {
        ui.update({ auditing: false, error: `audit: ${(error as Error).message.split('\n')[0]}` });
      }
    } while (again);
    running = undefined;
  };
  return (event) => {
    if (event.type === 'change') ui.update({ lastChange: { added: event.added, changed: event.changed, removed: event.removed } });
    if (event.type === 'error') ui.update({ error: event.message });
    if (event.type !== 'build') return;
    const { builds } = ui.state();
    ui.update({
      classes: event.classes,
      builds: [
        ...builds,
        {
          at: new Date().toISOString(),
          testAccuracy: event.testAccuracy,
          validationAccuracy: event.validationAccuracy,
          images: event.counts.training + event.counts.validation + event.counts.testing,
          classCounts: event.classCounts,
          computed: event.bottlenecksComputed,
          durationMs: event.durationMs,
        },
      ],
    });
    if (running) again = true;
    else running = audit();
  };
}
