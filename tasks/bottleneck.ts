import { EMPTY, finalize, from, mergeMap, of, tap, type Observable, type OperatorFunction } from 'rxjs';
import { BatchScheduler, type ScheduledOutcome } from '../src/bottleneck/batch-scheduler.js';
import { bottleneckKey } from '../src/bottleneck/bottleneck-key.js';
import type { BuildContext } from '../src/pipeline/build-context.js';
import type { HashedImage, ImageWithVector } from '../src/pipeline/dataset.js';
import { defineTask } from '../src/pipeline/task.js';

/**
 * Gives every image its bottleneck vector: from the LMDB cache when its content was seen before with this
 * model and preprocessing, else computed by the worker pool and stored. Identical content is computed once.
 * Images that cannot be decoded are reported, remembered (so a rebuild does not decode them again) and dropped.
 */
export const bottleneckTask = defineTask<HashedImage, ImageWithVector>({
  name: 'bottleneck',
  inputs: ['content hash per image', 'model fingerprint + preprocessing', 'cache.bottlenecks'],
  outputs: ['vector per image', 'cache.bottlenecks', 'cache.failures'],
  operator: (context): OperatorFunction<HashedImage, ImageWithVector> => (source) => {
    const { config } = context;
    const scheduler = new BatchScheduler(() => context.pool(), config.inferenceBatchSize, config.workers, context.signal);
    const inFlight = new Map<string, Promise<ScheduledOutcome>>();
    const counts = { done: 0, computed: 0, cached: 0, total: 0 };
    const progress = () => context.emit({ type: 'bottleneck-progress', ...counts });

    const vectorFor = (image: HashedImage): Observable<ImageWithVector> => {
      const key = bottleneckKey(context.identity, image.sha256);
      const cachedVector = context.cache.getBottleneck(key);
      if (cachedVector) {
        counts.cached++;
        counts.done++;
        return of({ ...image, key, vector: cachedVector, cached: true });
      }
      const failure = context.cache.getFailure(key);
      if (failure) {
        counts.done++;
        context.emit({ type: 'skipped', file: image.path, reason: failure });
        return EMPTY;
      }
      let pending = inFlight.get(key);
      const first = !pending;
      if (!pending) {
        pending = scheduler.compute(image.path, image.sha256);
        inFlight.set(key, pending);
      }
      return from(pending).pipe(
        mergeMap((outcome) => {
          counts.done++;
          if ('error' in outcome) {
            // Only decode failures are facts about the content; a transient failure may pass.
            if (first && !outcome.transient) void context.cache.putFailure(key, outcome.error);
            context.emit({ type: 'skipped', file: image.path, reason: outcome.error });
            progress();
            return EMPTY;
          }
          if (first) {
            counts.computed++;
            void context.cache.putBottleneck(key, outcome.vector);
          } else counts.cached++;
          progress();
          return of({ ...image, key, vector: outcome.vector, cached: !first });
        }),
      );
    };

    return source.pipe(
      mergeMap((image) => {
        counts.total++;
        return vectorFor(image);
      }),
      tap({
        complete: () => {
          progress();
          const timings = scheduler.timings();
          if (timings.images > 0) context.emit({ type: 'bottleneck-timings', ...timings });
        },
      }),
      finalize(() => scheduler.close()),
    );
  },
});
