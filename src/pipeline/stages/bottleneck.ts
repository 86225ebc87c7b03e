import { EMPTY, endWith, finalize, from, ignoreElements, mergeMap, tap, type OperatorFunction } from '../../util/rx.js';
import { VectorSource } from '../vector-source.js';
import type { HashedRow } from '../dataset.js';
import { ImageColumns } from '../image-columns.js';
import { stageTask } from '../stage.js';
import { bottleneckStage } from '../stage-declarations.js';
import { bottleneckKey, imagesKey } from '../../store/keys.js';

/**
 * Gives every image its bottleneck vector: from the LMDB cache when its content was seen before with this
 * model and preprocessing, else computed by the worker pool and stored. Identical content is computed once.
 * Images that cannot be decoded are reported, remembered (so a rebuild does not decode them again) and dropped.
 * Up to date when every vector was cached. The images are appended to columns as they come (ImageColumns), so the
 * objects made per image die young; the columns are the stage's one value, when every image is done.
 */
export const bottleneckTask = stageTask(bottleneckStage, (context): OperatorFunction<HashedRow, ImageColumns> => (source) => {
  const { inputs } = context;
  const vectors = new VectorSource(context, inputs);
  const vectorised = new ImageColumns();
  let started = false;
  /** Images the build's signal stopped before their vector was computed. */
  let stopped = 0;
  const progress = () => context.emit({ type: 'bottleneck-progress', ...vectors.counts });
  return source.pipe(
    mergeMap((image) => {
      const key = bottleneckKey(context.identity, image.sha256);
      const file = image.images.path(image.row);
      return from(vectors.get({ key, path: file, sha256: image.sha256 })).pipe(
        mergeMap((outcome) => {
          if (!started && !('vector' in outcome && outcome.cached)) {
            started = true;
            context.events.start('computing the vectors of new and changed images');
          }
          if (!('vector' in outcome)) {
            // A stopped build drops the rest quietly: those images are not bad.
            if (outcome.stopped) stopped++;
            else context.emit({ type: 'skipped', file, reason: outcome.error, ...(outcome.transient ? { transient: true } : {}) });
            progress();
            return EMPTY;
          }
          if (!outcome.cached) progress();
          vectorised.add(image, outcome.cached, outcome.local ? undefined : outcome.vector);
          return EMPTY;
        }),
      );
    }),
    tap({
      complete: () => {
        progress();
        const timings = vectors.timings();
        if (timings.images > 0) context.emit({ type: 'bottleneck-timings', ...timings });
        const { computed, cached } = vectors.counts;
        // Stopped (Ctrl-C): not "done". What was computed is stored as it came and stays in the cache.
        if (stopped > 0) return context.events.interrupted(`${computed} computed and kept in the cache, ${cached} cached; ${stopped} not computed`);
        context.record({ images: imagesKey(vectorised) });
        if (started) context.events.done(`${computed} computed, ${cached} cached`);
        else context.events.upToDate(`${cached} vectors cached`);
      },
    }),
    ignoreElements(),
    endWith(vectorised),
    finalize(() => vectors.close()),
  );
});
