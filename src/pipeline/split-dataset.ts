import { lastValueFrom, map, mergeMap, of } from 'rxjs';
import { bottleneckTask } from './stages/bottleneck.js';
import { hashTask } from './stages/hash.js';
import { scanTask } from './stages/scan.js';
import { splitTask } from './stages/split.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { selectEngine } from '../engine/feature-engine.js';
import { resolveModel } from '../engine/model/resolve-model.js';
import type { BuildContext } from './build-context.js';
import type { EmitEvent } from './build-events.js';
import { BuildResources } from './build-resources.js';
import type { Dataset } from './dataset-images.js';

/**
 * The first stages of a build, scan → hash → bottleneck → split, with the same tasks, cache and model as
 * `build`: vectors come from the cache and only missing ones are computed. For tools that read the data set
 * without training or exporting (`retrain audit`). Images are in the build's canonical order, their vectors
 * already read.
 */
export async function splitDataset(config: ResolvedConfig, options: { onEvent?: EmitEvent; resources?: BuildResources } = {}): Promise<Dataset> {
  const emit: EmitEvent = (event) => options.onEvent?.(event);
  const resources = options.resources ?? new BuildResources(config.cacheDir);
  try {
    const model = await resolveModel(config.model, config.modelOptions, config.cacheDir, config.modelsDirs);
    const { engine, identity } = await selectEngine(config.backend, model, config.cacheDir);
    emit({ type: 'backend', backend: engine.name, tfBackend: engine.tfBackend, note: engine.note });
    const context: BuildContext = {
      config,
      configHash: '',
      cache: resources.cache,
      model,
      identity,
      engine,
      emit,
      pool: () => resources.bottleneckPool(model, identity, engine, config.workers),
      extractor: () => resources.featureExtractor(model, identity, engine.tfBackend),
    };
    const dataset = await lastValueFrom(
      of(undefined).pipe(
        scanTask.operator(context),
        mergeMap((scan) =>
          of(scan.images).pipe(
            hashTask.operator(context),
            bottleneckTask.operator(context),
            map((columns) => {
              const images = columns.inCanonicalOrder();
              const present = images.presentLabels();
              return { labels: scan.labels.filter((l) => present.has(l)), images };
            }),
          ),
        ),
        splitTask.operator(context),
      ),
    );
    // Read every vector now: the cache closes when this returns (unless the caller shares its resources).
    dataset.images.loadVectors();
    return dataset;
  } finally {
    if (options.resources) await resources.cache.flushed();
    else await resources.close();
  }
}
