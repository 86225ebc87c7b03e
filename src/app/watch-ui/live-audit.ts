import { auditConfig } from '../audit-config.js';
import type { ResolvedConfig } from '../../config/resolved-config.js';
import type { BuildResources } from '../../pipeline/build-resources.js';
import type { WatchEvent } from '../watch-events.js';
import type { Rebuild } from './page-state.js';
import type { UiServer } from './ui-server.js';

/**
 * Feeds the page from the watch loop's events: each build is appended to the history with its test-set results,
 * the changes since the build before are gathered into "what changed in the last rebuild", and after each build
 * the audit runs on the (cached) vectors of the current config. Audits never overlap: builds that finish during
 * one cause one more audit after it.
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
  // Changes since the last finished build (a superseded build's changes count for the next one).
  let pending = emptyChanges();
  return (event) => {
    if (event.type === 'change') {
      for (const kind of ['added', 'changed', 'removed'] as const) {
        for (const file of event[kind]) {
          const net = merge(pending.files.get(file), kind);
          if (net) pending.files.set(file, net);
          else pending.files.delete(file);
        }
      }
      for (const folder of event.folders) pending.folders.add(folder);
      pending.config ||= event.config;
    }
    if (event.type === 'error') ui.update({ error: event.message });
    if (event.type !== 'build') return;
    const { builds, lastBuild, classes } = ui.state();
    const previous = builds.at(-1);
    const before = lastBuild?.classCounts ?? {};
    const labels = [...new Set([...classes, ...event.classes])].sort();
    const byKind = (kind: string) => [...pending.files].filter(([, k]) => k === kind).map(([file]) => file).sort();
    const rebuild: Rebuild | undefined = previous && {
      files: { added: byKind('added'), changed: byKind('changed'), removed: byKind('removed') },
      folders: [...pending.folders].sort(),
      config: pending.config,
      testAccuracy: { before: previous.testAccuracy, after: event.testAccuracy },
      classes: labels.map((label) => ({ label, before: before[label] ?? 0, after: event.classCounts[label] ?? 0 })).filter((c) => c.before !== c.after),
      computed: event.bottlenecksComputed,
      trained: event.trained,
    };
    pending = emptyChanges();
    ui.update({
      classes: event.classes,
      lastBuild: { classes: event.classes, classCounts: event.classCounts, confusion: event.confusion, testCount: event.testCount },
      rebuild: rebuild ?? ui.state().rebuild,
      builds: [
        ...builds,
        {
          at: new Date().toISOString(),
          testAccuracy: event.testAccuracy,
          validationAccuracy: event.validationAccuracy,
          images: event.counts.training + event.counts.validation + event.counts.testing,
          computed: event.bottlenecksComputed,
          trained: event.trained,
          durationMs: event.durationMs,
        },
      ].slice(-1000),
    });
    if (running) again = true;
    else running = audit();
  };
}

type Kind = 'added' | 'changed' | 'removed';

function emptyChanges() {
  return { files: new Map<string, Kind>(), folders: new Set<string>(), config: false };
}

/** The net change of a file over two bursts: added then removed is nothing to show, removed then added a change. */
function merge(before: Kind | undefined, now: Kind): Kind | undefined {
  if (before === 'added') return now === 'removed' ? undefined : 'added';
  if (before === 'removed' && now === 'added') return 'changed';
  return now;
}
