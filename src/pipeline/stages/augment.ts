import { from, mergeMap, type OperatorFunction } from '../../util/rx.js';
import { isIdentity, variantSpec, type AugmentSpec } from '../../core/distortions.js';
import { VectorSource } from '../vector-source.js';
import type { VectorRef } from '../dataset.js';
import type { Dataset, Variant } from '../dataset-images.js';
import { stageTask } from '../stage.js';
import { augmentStage } from '../stage-declarations.js';
import { augmentId, bottleneckKey, imageSetKey } from '../../store/keys.js';

/**
 * Gives every training image its distorted variants' vectors, each cached under content + distortion
 * settings + variant index, so a rebuild, a watch step or another experiment reuses them. Passes the
 * dataset through untouched when distortions are off. Up to date when every variant was cached.
 */
export const augmentTask = stageTask(augmentStage, (context): OperatorFunction<Dataset, Dataset> =>
  mergeMap((dataset) => {
    const { distortions } = context.inputs;
    const { images } = dataset;
    context.record({ 'training images': imageSetKey(images, 'training') });
    if (distortions === undefined) {
      context.events.upToDate('distortions are off');
      return [dataset];
    }
    const vectors = new VectorSource(context, context.inputs);
    let started = false;
    const progress = () => context.emit({ type: 'augment-progress', ...vectors.counts });
    // Each training image's variants, held in the data set's columns (the vectors by key).
    const withVariants = async (i: number): Promise<void> => {
      const sha256 = images.sha256(i);
      const path = images.path(i);
      // Variants that come out the same, or the same as the image itself, are counted once.
      const specs = new Map<string, AugmentSpec>();
      for (let index = 0; index < distortions.variants; index++) {
        const spec = variantSpec(sha256, distortions, index);
        if (!isIdentity(spec)) specs.set(augmentId(spec), spec);
      }
      const held = new Map<string, VectorRef>();
      const variants = await Promise.all(
        [...specs].map(async ([id, augment]): Promise<Variant | undefined> => {
          const key = bottleneckKey(context.identity, sha256, id);
          const outcome = await vectors.get({ key, path, sha256, augment });
          if (!('vector' in outcome) || !outcome.cached) {
            if (!started) context.events.start(`${distortions.variants} distorted variants per training image`);
            started = true;
            progress();
          }
          if ('vector' in outcome) {
            if (!outcome.local) held.set(key, outcome.vector);
            return { key, augment };
          }
          if (!outcome.stopped) context.emit({ type: 'warning', message: `${path}: a distorted variant was skipped: ${outcome.error}` });
          return undefined;
        }),
      );
      images.setVariants(i, variants.filter((v) => v !== undefined), held);
    };
    return from(Promise.all(Array.from(images.indicesIn('training'), withVariants)).finally(() => vectors.close())).pipe(
      mergeMap(async () => {
        const { computed, cached } = vectors.counts;
        if (started) context.events.done(`${computed} computed, ${cached} cached`);
        else context.events.upToDate(`${cached} variants cached`);
        return dataset;
      }),
    );
  }),
);
