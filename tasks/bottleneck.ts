import { EMPTY, finalize, from, mergeMap, tap, type OperatorFunction } from '../src/util/rx.js';
import { bottleneckKey } from '../src/store/keys.js';
import { VectorSource } from '../src/bottleneck/vector-source.js';
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
    const vectors = new VectorSource(context);
    const progress = () => context.emit({ type: 'bottleneck-progress', ...vectors.counts });
    return source.pipe(
      mergeMap((image) => {
        const key = bottleneckKey(context.identity, image.sha256);
        return from(vectors.get({ key, path: image.path, sha256: image.sha256 })).pipe(
          mergeMap((outcome) => {
            if (!('vector' in outcome)) {
              // A stopped build drops the rest quietly: those images are not bad.
              if (!outcome.stopped) context.emit({ type: 'skipped', file: image.path, reason: outcome.error });
              progress();
              return EMPTY;
            }
            if (!outcome.cached) progress();
            return [{ ...image, key, vector: outcome.vector, cached: outcome.cached }];
          }),
        );
      }),
      tap({
        complete: () => {
          progress();
          const timings = vectors.timings();
          if (timings.images > 0) context.emit({ type: 'bottleneck-timings', ...timings });
        },
      }),
      finalize(() => vectors.close()),
    );
  },
});
