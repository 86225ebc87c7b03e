import { createHash } from 'node:crypto';
import { from, lastValueFrom, map, mergeMap, of, toArray } from 'rxjs';
import { bottleneckTask } from '../../tasks/bottleneck.js';
import { evaluateTask } from '../../tasks/evaluate.js';
import { exportTask } from '../../tasks/export.js';
import { hashTask } from '../../tasks/hash.js';
import { scanTask } from '../../tasks/scan.js';
import { splitTask } from '../../tasks/split.js';
import { trainTask } from '../../tasks/train.js';
import { createBottleneckPool, type BottleneckPool } from '../bottleneck/worker-pool.js';
import { RetrainCache } from '../cache/retrain-cache.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { choiceFor, detectBackend, initBackend, type BackendName } from '../model/backend.js';
import { loadFeatureExtractor, type FeatureExtractor } from '../model/feature-extractor.js';
import { identifyModel } from '../model/model-identity.js';
import { resolveModel } from '../model/resolve-model.js';
import { recoverDir } from '../util/atomic-write.js';
import type { BuildContext } from './build-context.js';
import type { BuildEvent, EmitEvent } from './build-events.js';
import type { BuildResult } from './build-result.js';
import type { ImageWithVector } from './dataset.js';

export interface BuildOptions {
  onEvent?: EmitEvent;
  /** An open cache to use (watch mode keeps one); otherwise the build opens and closes its own. */
  cache?: RetrainCache;
}

/**
 * One build: scan → hash → bottleneck (streamed through the worker pool) → split → train → evaluate →
 * export. Every stage reuses cached work, so an unchanged data set does no decoding, inference or training.
 */
export async function build(config: ResolvedConfig, options: BuildOptions = {}): Promise<BuildResult> {
  const started = performance.now();
  const skipped: BuildResult['skipped'] = [];
  const emit: EmitEvent = (event: BuildEvent) => {
    if (event.type === 'skipped') skipped.push({ file: event.file, reason: event.reason });
    options.onEvent?.(event);
  };
  const cache = options.cache ?? RetrainCache.open(config.cacheDir);
  await recoverDir(config.outputDir);
  const model = await resolveModel(config.model, config.modelOptions, config.cacheDir);
  const identity = await identifyModel(model);

  let backend: BackendName | undefined;
  const backendName = async (): Promise<BackendName> => {
    backend ??= await detectBackend(config.backend);
    return backend;
  };
  const chosenBackend = await backendName();
  emit({ type: 'backend', backend: chosenBackend });

  let pool: BottleneckPool | undefined;
  let extractor: Promise<FeatureExtractor> | undefined;
  const context: BuildContext = {
    config,
    configHash: hashConfig(config),
    cache,
    model,
    identity,
    emit,
    pool: () => (pool ??= createBottleneckPool(model, identity, chosenBackend, config.workers)),
    extractor: () => (extractor ??= initBackend(choiceFor(chosenBackend)).then(() => loadFeatureExtractor(model, identity))),
  };

  try {
    const result = await lastValueFrom(
      of(undefined).pipe(
        scanTask.operator(context),
        mergeMap((scan) =>
          from(scan.images).pipe(
            hashTask.operator(context),
            bottleneckTask.operator(context),
            toArray(),
            // Workers finish in any order: put images in a canonical order made of what the training fingerprint
            // holds (label, content), not names or places, so one fingerprint always means one head.
            map((images) => images.sort(byCanonicalOrder)),
            map((images) => ({ labels: scan.labels.filter((l) => images.some((i) => i.label === l)), images })),
          ),
        ),
        splitTask.operator(context),
        trainTask.operator(context),
        evaluateTask.operator(context),
        exportTask.operator(context),
      ),
    );
    const { labels, images } = result.dataset;
    const count = (set: string) => images.filter((i) => i.set === set).length;
    const computed = new Set(images.filter((i) => !i.cached).map((i) => i.key)).size;
    return {
      testAccuracy: finiteOrNull(result.test.accuracy),
      testCount: result.test.count,
      validationAccuracy: finiteOrNull(result.validation.accuracy),
      classes: labels,
      counts: { training: count('training'), validation: count('validation'), testing: count('testing') },
      bottlenecksComputed: computed,
      bottlenecksCached: images.length - images.filter((i) => !i.cached).length,
      skipped,
      misclassified: result.test.misclassified.map((m) => ({ file: m.path, label: labels[m.label]!, predicted: labels[m.predicted]! })),
      trained: result.trained,
      exported: result.exported,
      outputDir: result.outputDir,
      backend: chosenBackend,
      model: model.source,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await (pool as BottleneckPool | undefined)?.close();
    await cache.flushed();
    if (!options.cache) await cache.close();
  }
}

function hashConfig(config: ResolvedConfig): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);
}

function finiteOrNull(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

function byCanonicalOrder(a: ImageWithVector, b: ImageWithVector): number {
  const keyA = `${a.label}\0${a.sha256}`;
  const keyB = `${b.label}\0${b.sha256}`;
  return keyA < keyB ? -1 : keyA > keyB ? 1 : 0;
}
