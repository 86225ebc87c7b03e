import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import type { BuildEvent } from '../pipeline/build-events.js';
import type { BuildResult } from '../pipeline/build-result.js';
import { plural } from '../util/plural.js';
import { printable } from '../util/printable.js';

export interface Reporter {
  onEvent(event: BuildEvent): void;
  finish(result: BuildResult, printMisclassified: boolean): void;
  error(message: string): void;
}

/**
 * Human output of a build. On a terminal, a progress bar with rate and ETA for bottlenecks; otherwise plain
 * lines. With `json`, human output goes to stderr and stdout gets only the result object as its last line.
 */
/** cli-progress, loaded for the first progress bar (on a terminal, when bottlenecks are computed): a no-op build draws none. */
const loadCliProgress = () => createRequire(import.meta.url)('cli-progress') as typeof cliProgress;

export function createReporter({ json, stream = json ? process.stderr : process.stdout }: { json: boolean; stream?: NodeJS.WriteStream }): Reporter {
  const tty = Boolean(stream.isTTY) && !process.env.CI;
  // Every line is printed with control characters escaped: a file name with a newline stays on its line.
  const line = (text: string) => {
    bar?.stop();
    bar = undefined;
    stream.write(printable(text) + '\n');
  };
  let bar: cliProgress.SingleBar | undefined;
  let totalImages = 0;
  let barStartedAt = 0;
  let lastPlainPercent = -1;
  /** Plain output (a line per tenth of the images): the last line printed, and the latest counts. */
  let printedCounts: string | undefined;
  let latestCounts: string | undefined;
  let steps = 0;

  return {
    onEvent(event) {
      switch (event.type) {
        case 'info':
          return line(event.message);
        case 'warning':
          return line(`warning: ${event.message}`);
        case 'skipped':
          return line(`skipped ${event.file}: ${event.reason}`);
        case 'backend':
          return line(`backend: ${event.backend}${event.backend === event.tfBackend ? '' : ` (TensorFlow.js: ${event.tfBackend})`}${event.note ? ` (${event.note})` : ''}`);
        case 'scanned':
          totalImages = event.images;
          return line(`found ${plural(event.images, 'image')} in ${plural(event.labels.length, 'class')}: ${event.labels.join(', ')}`);
        case 'bottleneck-progress': {
          if (event.computed === 0 && event.done < event.total) return;
          const total = Math.max(totalImages, event.total);
          if (tty) {
            if (!bar) {
              const cliProgress = loadCliProgress();
              bar = new cliProgress.SingleBar(
                { format: 'bottlenecks {bar} {value}/{total} | {rate} img/s | ETA {eta_formatted} | {computed} computed, {cached} cached', stream, etaBuffer: 50 },
                cliProgress.Presets.shades_classic,
              );
              bar.start(total, 0, { rate: '0.0', computed: 0, cached: 0 });
              barStartedAt = Date.now();
            }
            const elapsed = (Date.now() - barStartedAt) / 1000;
            bar.setTotal(total);
            bar.update(event.done, { rate: (event.computed / Math.max(elapsed, 1e-3)).toFixed(1), computed: event.computed, cached: event.cached });
            if (event.done >= total) {
              bar.stop();
              bar = undefined;
            }
          } else {
            const percent = Math.floor((event.done / Math.max(total, 1)) * 10) * 10;
            latestCounts = `bottlenecks ${event.done}/${total} (${event.computed} computed, ${event.cached} cached)`;
            if (percent !== lastPlainPercent) {
              lastPlainPercent = percent;
              printedCounts = latestCounts;
              stream.write(latestCounts + '\n');
            }
          }
          return;
        }
        case 'bottleneck-timings':
          return;
        case 'augment-progress':
          return;
        case 'stage':
          if (event.stage === 'train' && event.status === 'start') steps = event.total ?? 0;
          // A stage stopped between two tenths (Ctrl-C): its last progress line says what was really done.
          if (event.stage === 'bottleneck' && event.status !== 'start' && printedCounts !== latestCounts) {
            if (printedCounts) stream.write(latestCounts + '\n');
            printedCounts = latestCounts;
          }
          return line(`${event.stage}: ${event.status}${event.detail ? ` (${event.detail})` : ''}`);
        case 'train-eval': {
          const every = Math.max(1, Math.round(steps / 10));
          if (event.step % every !== 0 && event.step !== steps - 1) return;
          const validation =
            event.validationAccuracy === undefined ? 'n/a' : `${(event.validationAccuracy * 100).toFixed(1)}% (N=${event.validationCount})`;
          return line(
            `step ${event.step}: train accuracy = ${(event.trainAccuracy * 100).toFixed(1)}%, cross entropy = ${event.crossEntropy.toFixed(6)}, validation accuracy = ${validation}`,
          );
        }
      }
    },
    finish(result, printMisclassified) {
      if (printMisclassified && result.misclassified.length > 0) {
        line('=== MISCLASSIFIED TEST IMAGES ===');
        for (const m of result.misclassified) line(`${m.file}  ${m.predicted}`);
      }
      const accuracy = result.testAccuracy === null ? 'n/a' : `${(result.testAccuracy * 100).toFixed(1)}%`;
      line(`Final test accuracy = ${accuracy} (N=${result.testCount})`);
      line(
        `${plural(result.bottlenecksComputed, 'bottleneck')} computed, ${result.bottlenecksCached} cached, ${result.skipped.length} skipped; ` +
          `head ${result.trained ? 'trained' : 'up to date'}; model ${result.exported ? 'exported to' : 'up to date in'} ${result.outputDir} ` +
          `(${(result.durationMs / 1000).toFixed(2)} s)`,
      );
      const remote = result.remote;
      if (remote) {
        const heads = remote.heads.hits + remote.heads.uploads > 0 ? `; head ${remote.heads.hits ? 'fetched' : 'uploaded'}` : '';
        line(`remote cache ${remote.url}: ${remote.hits} hits, ${remote.misses} misses, ${remote.uploads} uploads, ${remote.errors} errors` + (remote.damaged ? `, ${remote.damaged} damaged` : '') + heads);
      }
      if (json) process.stdout.write(JSON.stringify(result) + '\n');
    },
    error(message) {
      line(`error: ${message}`);
    },
  };
}
