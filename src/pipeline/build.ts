import type { ScanResult } from '../images/scan-image-dirs.js';
import path from 'node:path';
import { lastValueFrom, map, mergeMap, of } from '../util/rx.js';
import { augmentTask } from './stages/augment.js';
import { bottleneckTask } from './stages/bottleneck.js';
import { evaluateTask } from './stages/evaluate.js';
import { exportTask } from './stages/export.js';
import { hashTask } from './stages/hash.js';
import { scanTask } from './stages/scan.js';
import { splitTask } from './stages/split.js';
import { trainTask } from './stages/train.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { ConfigError } from '../config/config-error.js';
import { EXPORT_LAYER_NAMES } from '../export/export-layer-names.js';
import { preservingTfState } from '../engine/model/backend.js';
import { CacheError, cacheDamagedMessage, lmdbDamage } from '../store/cache-file-errors.js';
import { selectEngine } from '../engine/feature-engine.js';
import { resolveModel } from '../engine/model/resolve-model.js';
import { recoverDir } from '../util/atomic-write.js';
import { holdsOnlyExportFiles } from '../export/output-guard.js';
import { checkBuildOutputs } from './build-outputs.js';
import type { BuildContext } from './build-context.js';
import { BuildResources } from './build-resources.js';
import type { BuildEvent, EmitEvent } from './build-events.js';
import type { BuildResult } from './build-result.js';
import { finiteOrNull } from '../util/finite-or-null.js';
import type { ObjectCounts, RemoteCounts } from '../store/remote-cache.js';
import { graphShare } from '../store/graph-share.js';
import type { BottleneckQueue } from '../engine/queue/bottleneck-queue.js';
import { configHash, modelIdentityKey, UP_TO_DATE_RECORD_FORMAT } from '../store/keys.js';
import { listingDigest } from '../images/listing-digest.js';
import { buildInputs, upToDateBuild, type BuildInputs } from './up-to-date-build.js';
import { fileFacts, writeUpToDateRecord, type UpToDateRecord } from './up-to-date-record.js';
import { declaredConfig } from './declared-config.js';
import { stageRecordFile, writeStageRecord } from './stage-record.js';
import { STAGES } from './stage-declarations.js';
import { VectorSource } from './vector-source.js';
import { groupDigests } from '../util/digest-groups.js';

export interface BuildOptions {
  onEvent?: EmitEvent;
  /** Engines and cache to share across builds (watch mode); otherwise the build makes and closes its own. */
  resources?: BuildResources;
  /**
   * Aborting it stops the build at the next stage boundary (after bottlenecks, after training) with an
   * AbortError; work done so far stays in the cache and the previous export stays in place.
   */
  signal?: AbortSignal;
  /** redis://…: missing bottlenecks go to workers (`retrain worker`) through BullMQ; needs a remote cache. */
  queue?: string;
}

/**
 * One build: scan → hash → bottleneck (streamed through the worker pool) → split → train → evaluate →
 * export. Every stage reuses cached work, so an unchanged data set does no decoding, inference or training.
 * It changes no process-wide state: TensorFlow.js gets back the backend it had (see `preservingTfState`).
 */
export function build(config: ResolvedConfig, options: BuildOptions = {}): Promise<BuildResult> {
  return preservingTfState(() => runBuild(config, options));
}

async function runBuild(config: ResolvedConfig, options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const skipped: BuildResult['skipped'] = [];
  // Files skipped for a reason that may pass (changed while read, a read error): the next build tries them again, so
  // the stage record does not list them as skipped (`retrain status` calls them new: a build has work to do).
  const transientSkips = new Set<string>();
  const finished = new Set<string>();
  // What the up-to-date record keeps of the events: the split's messages and the files skipped after the scan.
  const seen = { scanned: false, inSplit: false, warnings: 0, laterSkipped: [] as BuildResult['skipped'], splitMessages: [] as UpToDateRecord['splitMessages'], variants: 0, transient: 0 };
  const emit: EmitEvent = (event: BuildEvent) => {
    if (event.type === 'skipped') {
      skipped.push({ file: event.file, reason: event.reason });
      if (seen.scanned) seen.laterSkipped.push({ file: event.file, reason: event.reason });
      if (event.transient) {
        seen.transient++;
        transientSkips.add(event.file);
      }
    } else if (event.type === 'stage' && event.status !== 'start') finished.add(event.stage);
    if (event.type === 'scanned') seen.scanned = true;
    if (event.type === 'augment-progress') seen.variants = event.computed + event.cached;
    if (event.type === 'stage' && event.stage === 'split') seen.inSplit = event.status === 'start';
    if ((event.type === 'info' || event.type === 'warning') && seen.inSplit) seen.splitMessages.push(event);
    else if (event.type === 'warning' && seen.scanned) seen.warnings++;
    options.onEvent?.(event);
  };
  if (config.shard) throw new ConfigError(`shard ${config.shard.index}/${config.shard.count}: only \`retrain build\` computes a shard (it stops before training)`);
  if (options.queue && !config.remote) {
    throw new ConfigError(`--queue ${options.queue}: workers hand vectors back through the remote cache; set --remote-cache s3://bucket/prefix too (or leave --queue out to compute them here)`);
  }
  // Refused outputs end the build before anything is opened, computed or written.
  await checkBuildOutputs(config);
  const resources = options.resources ?? new BuildResources(config.cacheDir, config.remote);
  const { remote } = resources;
  // Written after the cache is closed (its data file's facts are part of it), when the build completed cleanly.
  let upToDate: UpToDateRecord | undefined;
  const remoteBefore = remote?.snapshot();
  if (remote) remote.warn = (message) => emit({ type: 'warning', message });
  let queue: BottleneckQueue | undefined;
  const stopIfAborted = <T>(value: T): T => {
    options.signal?.throwIfAborted();
    return value;
  };

  try {
    await recoverDir(config.outputDir, holdsOnlyExportFiles);
    const model = await resolveModel(config.model, config.modelOptions, config.cacheDir, config.modelsDirs);
    // Decided on every build (cheap: the model's files are read and hashed, the ONNX graph is cached on disk),
    // so a model whose files change under `retrain watch` gets a new identity.
    const { engine, identity } = await selectEngine(config.backend, model, config.cacheDir, remote && graphShare(remote));
    if (EXPORT_LAYER_NAMES.includes(config.finalTensorName) || identity.layerNames.includes(config.finalTensorName)) {
      throw new ConfigError(`finalTensorName "${config.finalTensorName}" is already the name of a layer of the exported model; choose another`);
    }
    emit({ type: 'backend', backend: engine.name, tfBackend: engine.tfBackend, note: engine.note });
    // Nothing changed since the last build into this output folder: its result, without per-image work.
    // Not with a remote cache or a queue (their counts and uploads are the full path's).
    const inputs: BuildInputs = { config, modelIdentity: modelIdentityKey(identity), engine: engine.name };
    // The check's scan, when the listing had changed, is the scan stage's: the folders are read once.
    let scanned: ScanResult | undefined;
    if (!remote && !options.queue) {
      const answer = await upToDateBuild(inputs, emit);
      if ('result' in answer) return { ...answer.result, backend: engine.name, model: model.source, durationMs: Math.round(performance.now() - started), remote: undefined };
      scanned = answer.scanned;
    }
    const moved = resources.cache.takeMovedAside();
    if (moved) {
      emit({ type: 'warning', message: `the cache file ${moved.from} was damaged (${moved.reason}): moved it to ${path.basename(moved.to)} and started an empty cache; everything is recomputed` });
    }
    if (options.queue) {
      // BullMQ and ioredis (some 350 files) are loaded only for a build that uses a queue.
      const { BottleneckQueue } = await import('../engine/queue/bottleneck-queue.js');
      queue = await BottleneckQueue.connect(options.queue).catch((error: Error) => {
        emit({ type: 'warning', message: `${error.message}; computing bottlenecks locally` });
        return undefined;
      });
    }
    const context: BuildContext = {
      config,
      configHash: configHash(declaredConfig(config)),
      cache: resources.cache,
      scanned,
      remote,
      queue,
      model,
      identity,
      engine,
      emit,
      signal: options.signal,
      stageRuns: new Map(),
      pool: () => resources.bottleneckPool(model, identity, engine, config.workers),
      extractor: () => resources.featureExtractor(model, identity, engine.tfBackend),
    };
    context.recomputeVector = (request) => {
      const vectors = new VectorSource(context, config);
      return vectors.get(request).finally(() => vectors.close());
    };

    // Per image, streamed: scan → hash → bottleneck; then the whole data set: split → augment → train →
    // evaluate → export. The build can stop (signal) between the stages that take time.
    let listing: string | undefined;
    const vectorised = of(undefined).pipe(
      scanTask.operator(context),
      mergeMap((scan) => {
        // Before any file is hashed: a file changed after this is a changed listing for the next build.
        listing = listingDigest(scan.labels, scan.images);
        return of(scan.images).pipe(
          hashTask.operator(context),
          bottleneckTask.operator(context),
          // Workers finish in any order: put images in a canonical order made of what the training fingerprint
          // holds (label, content), not names or places, so one fingerprint always means one head.
          map((columns) => {
            const images = columns.inCanonicalOrder();
            const present = images.presentLabels();
            return { labels: scan.labels.filter((l) => present.has(l)), images };
          }),
        );
      }),
      map(stopIfAborted),
    );
    const result = await lastValueFrom(
      vectorised.pipe(
        splitTask.operator(context),
        augmentTask.operator(context),
        map(stopIfAborted),
        trainTask.operator(context),
        evaluateTask.operator(context),
        map(stopIfAborted),
        exportTask.operator(context),
      ),
    );
    await writeStageRecord(config.cacheDir, config.outputDir, context.stageRuns!, result.dataset.images, skipped.filter((s) => !transientSkips.has(s.file)).map((s) => s.file)).catch((error: Error) =>
      emit({ type: 'warning', message: `cannot record the stages' inputs for \`retrain status\`: ${error.message}` }),
    );
    const damaged = resources.cache.takeDamaged();
    if (damaged > 0) {
      emit({ type: 'warning', message: `${damaged} cache ${damaged === 1 ? 'entry was' : 'entries were'} damaged (checksum mismatch) and recomputed; "retrain cache verify" checks the rest` });
    }
    // Uploads of computed vectors finish before the build reports (and before the process may exit).
    await remote?.flush();
    remote?.check();
    const { labels, images } = result.dataset;
    // Distinct contents computed, by their digests (not a key string per computed image).
    const computed = groupDigests(images.digestColumn(), images.count, (i) => !images.cached(i)).count;
    const notCached = images.count - images.countCached();
    const built: BuildResult = {
      testAccuracy: finiteOrNull(result.test.accuracy),
      testCount: result.test.count,
      validationAccuracy: finiteOrNull(result.validation.accuracy),
      classes: labels,
      counts: { training: images.countIn('training'), validation: images.countIn('validation'), testing: images.countIn('testing') },
      classCounts: Object.fromEntries(Array.from(images.classCounts(), (count, c) => [labels[c]!, count])),
      bottlenecksComputed: computed,
      bottlenecksCached: images.count - notCached,
      skipped,
      misclassified: result.test.misclassified.map((m) => ({ file: m.path, label: labels[m.label]!, predicted: labels[m.predicted]! })),
      confusion: result.test.confusion,
      trained: result.trained,
      exported: result.exported,
      outputDir: result.outputDir,
      backend: engine.name,
      model: model.source,
      durationMs: Math.round(performance.now() - started),
      remote: remote && remoteBefore ? { url: remote.url, ...countsSince(remoteBefore, remote.snapshot()) } : undefined,
    };
    const exportKey = context.stageRuns!.get('export')?.key;
    const inputsKey = buildInputs(inputs);
    // Only a clean build is a record to trust: no warning after the scan (damage, a failed stage record), no image skipped
    // for a reason that is not the file's (a worker timed out: the next build tries it again), nothing remote.
    if (!remote && !options.queue && listing && exportKey && inputsKey && damaged === 0 && !moved && seen.warnings === 0 && seen.transient === 0) {
      const { durationMs: _duration, remote: _remote, skipped: _skipped, misclassified: _misclassified, ...rest } = built;
      upToDate = {
        format: UP_TO_DATE_RECORD_FORMAT,
        outputDir: path.resolve(config.outputDir),
        listing,
        inputs: inputsKey,
        cacheFile: null,
        exportKey,
        evaluation: result.storedEvaluationKey,
        splitMessages: seen.splitMessages,
        variants: seen.variants,
        skipped: seen.laterSkipped,
        result: { ...rest, trained: false, exported: false, bottlenecksComputed: 0, bottlenecksCached: images.count },
      };
    }
    return built;
  } catch (error) {
    // Stopped by its signal (watch mode: the inputs changed): every stage it did not finish is superseded.
    if (options.signal?.aborted) {
      for (const stage of STAGES) if (!finished.has(stage.name)) emit({ type: 'stage', stage: stage.name, status: 'superseded', detail: 'the build was stopped' });
    }
    throw asCacheDamage(error, resources.cacheFile);
  } finally {
    await queue?.close();
    await remote?.flush();
    const closing = options.resources ? resources.flushed() : resources.close();
    await closing.catch((error: unknown) => {
      upToDate = undefined;
      throw asCacheDamage(error, resources.cacheFile);
    });
    if (upToDate) {
      // A record that cannot be written costs the next build the full path.
      await writeUpToDateRecord(config.cacheDir, {
        ...upToDate,
        cacheFile: fileFacts(resources.cacheFile),
        stageRecordFile: fileFacts(stageRecordFile(config.cacheDir, config.outputDir)),
      }).catch(() => undefined);
    }
  }
}

/** An LMDB error that means the cache file is damaged, as the one line that says so and what to do. */
function asCacheDamage(error: unknown, file: string): unknown {
  const reason = lmdbDamage(error);
  return reason ? new CacheError(cacheDamagedMessage(file, reason)) : error;
}

function countsSince(before: RemoteCounts, now: RemoteCounts): RemoteCounts {
  return {
    hits: now.hits - before.hits,
    misses: now.misses - before.misses,
    uploads: now.uploads - before.uploads,
    errors: now.errors - before.errors,
    damaged: now.damaged - before.damaged,
    heads: since(before.heads, now.heads),
    graphs: since(before.graphs, now.graphs),
  };
}

function since(before: ObjectCounts, now: ObjectCounts): ObjectCounts {
  return { hits: now.hits - before.hits, misses: now.misses - before.misses, uploads: now.uploads - before.uploads };
}

