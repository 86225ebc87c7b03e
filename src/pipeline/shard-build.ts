import { lastValueFrom, map, mergeMap, of, toArray } from '../util/rx.js';
import { hashTask } from './stages/hash.js';
import { scanTask } from './stages/scan.js';
import { distortionsActive, isIdentity, variantSpec, type AugmentSpec } from '../core/distortions.js';
import { augmentId, bottleneckKey } from '../store/keys.js';
import { VectorSource } from './vector-source.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { ConfigError } from '../config/config-error.js';
import { preservingTfState } from '../engine/model/backend.js';
import { selectEngine } from '../engine/feature-engine.js';
import { resolveModel } from '../engine/model/resolve-model.js';
import { assignSets } from '../core/assign-sets.js';
import { graphShare } from '../store/graph-share.js';
import { inShard, shardName, type Shard } from '../store/shard.js';
import type { BuildContext } from './build-context.js';
import type { BuildEvent, EmitEvent } from './build-events.js';
import { BuildResources } from './build-resources.js';
import type { HashedImage } from './dataset.js';

/** What one shard run did. `total`: distinct vectors the data set needs; `share`: those of this shard. */
export interface ShardResult {
  shard: string;
  remote: string;
  total: number;
  share: number;
  /** Computed here and uploaded. */
  computed: number;
  /** In the remote cache already (another run did them). */
  present: number;
  /** In the local cache already: uploaded from there (when the remote lacked them). */
  local: number;
  /** This shard's vectors that could not be made (undecodable images), with the reason. */
  skipped: Array<{ file: string; reason: string }>;
  uploads: number;
  durationMs: number;
}

export interface ShardOptions {
  onEvent?: EmitEvent;
  signal?: AbortSignal;
}

/** The missing work a shard run can see: one vector request per distinct key. */
interface Wanted {
  key: string;
  image: HashedImage;
  augment?: AugmentSpec;
}

/**
 * `retrain build --shard i/N`: computes this shard's share of the bottlenecks a build of `config` needs
 * (the images' vectors, and their distorted variants for training images when distortions are on) into the
 * remote cache, and stops: no split is kept, nothing is trained or exported. Keys are shared out by a hash
 * of the key (content-addressed), so N machines given the same data and config each take a disjoint share
 * and together cover it all, without talking to each other; a later `retrain build` finds every vector in
 * the remote. The remote cache is required: a shard that cannot store its work fails with one line.
 */
export function shardBuild(config: ResolvedConfig, options: ShardOptions = {}): Promise<ShardResult> {
  return preservingTfState(() => runShard(config, options));
}

async function runShard(config: ResolvedConfig, options: ShardOptions): Promise<ShardResult> {
  const shard = config.shard;
  if (!shard) throw new ConfigError('shardBuild needs config.shard (i/N)');
  const name = shardName(shard);
  if (!config.remote) throw new ConfigError(`--shard ${name}: a shard computes into the remote cache; set --remote-cache s3://bucket/prefix (or RETRAIN_REMOTE_CACHE)`);
  if (config.remote.readOnly) throw new ConfigError(`--shard ${name}: the remote cache is read-only (--remote-cache-read-only), so a shard could store nothing`);
  const started = performance.now();
  const skipped: ShardResult['skipped'] = [];
  const emit: EmitEvent = (event: BuildEvent) => {
    if (event.type === 'skipped') skipped.push({ file: event.file, reason: event.reason });
    options.onEvent?.(event);
  };
  // Required: the remote is where the work goes.
  const resources = new BuildResources(config.cacheDir, { ...config.remote, required: true });
  const remote = resources.remote!;
  remote.warn = (message) => emit({ type: 'warning', message });
  try {
    const model = await resolveModel(config.model, config.modelOptions, config.cacheDir, config.modelsDirs);
    const { engine, identity } = await selectEngine(config.backend, model, config.cacheDir, graphShare(remote));
    emit({ type: 'backend', backend: engine.name, tfBackend: engine.tfBackend, note: engine.note });
    const context: BuildContext = {
      config,
      configHash: '',
      cache: resources.cache,
      remote,
      model,
      identity,
      engine,
      emit,
      signal: options.signal,
      pool: () => resources.bottleneckPool(model, identity, engine, config.workers),
      extractor: () => resources.featureExtractor(model, identity, engine.tfBackend),
    };
    const images = await lastValueFrom(
      of(undefined).pipe(
        scanTask.operator(context),
        mergeMap((scan) => of(scan.images).pipe(hashTask.operator(context))),
        // A shard keeps its images as objects (it is not the build that must stay flat in memory).
        map(({ images, row, sha256 }): HashedImage => ({ ...images.image(row), sha256 })),
        toArray(),
      ),
    );
    const wanted = wantedVectors(config, context, images);
    const share = wanted.filter((w) => inShard(w.key, shard));
    emit({ type: 'info', message: `shard ${name}: ${share.length} of ${wanted.length} bottlenecks are this shard's` });
    const counts = { computed: 0, present: 0, local: 0 };
    const uploadsBefore = remote.counts.uploads;
    const vectors = new VectorSource(context, config);
    const progress = () => emit({ type: 'bottleneck-progress', ...vectors.counts });
    try {
      await Promise.all(
        share.map(async ({ key, image, augment }) => {
          const local = context.cache.getBottleneck(key);
          if (local) {
            // Computed here before (without the remote, or by another build): the remote gets it if it lacks it.
            counts.local++;
            await remote.putVector(key, local);
            return;
          }
          const outcome = await vectors.get({ key, path: image.path, sha256: image.sha256, augment });
          if ('vector' in outcome) counts[outcome.cached ? 'present' : 'computed']++;
          else if (!outcome.stopped) emit({ type: 'skipped', file: image.path, reason: outcome.error });
          progress();
        }),
      );
    } finally {
      vectors.close();
    }
    options.signal?.throwIfAborted();
    await remote.flush();
    remote.check();
    return {
      shard: name,
      remote: remote.url,
      total: wanted.length,
      share: share.length,
      ...counts,
      skipped,
      uploads: remote.counts.uploads - uploadsBefore,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await resources.close();
  }
}

/**
 * Every vector a build of these images needs, once per key: each image's, and with distortions on, the
 * distorted variants of the images the split puts in training (the split is a function of names and content,
 * so every shard computes the same one).
 */
function wantedVectors(config: ResolvedConfig, context: BuildContext, images: HashedImage[]): Wanted[] {
  const wanted = new Map<string, Wanted>();
  for (const image of images) {
    const key = bottleneckKey(context.identity, image.sha256);
    if (!wanted.has(key)) wanted.set(key, { key, image });
  }
  const distortions = config.distortions;
  if (distortionsActive(distortions)) {
    const { assignments } = assignSets(images, config.split.validationPercentage, config.split.testingPercentage);
    for (const image of assignments) {
      if (image.set !== 'training') continue;
      for (let index = 0; index < distortions.variants; index++) {
        const augment = variantSpec(image.sha256, distortions, index);
        if (isIdentity(augment)) continue;
        const key = bottleneckKey(context.identity, image.sha256, augmentId(augment));
        if (!wanted.has(key)) wanted.set(key, { key, image, augment });
      }
    }
  }
  return [...wanted.values()];
}

/** A shard's result in one line. */
export function describeShard(result: ShardResult): string {
  const parts = [`${result.computed} computed`, `${result.present} already in the remote cache`];
  if (result.local > 0) parts.push(`${result.local} from the local cache`);
  if (result.skipped.length > 0) parts.push(`${result.skipped.length} skipped`);
  return `shard ${result.shard}: ${result.share} of ${result.total} bottlenecks (${parts.join(', ')}); ${result.uploads} uploaded to ${result.remote} in ${(result.durationMs / 1000).toFixed(1)} s`;
}
