import { from, mergeMap, type OperatorFunction } from '../../util/rx.js';
import { isIdentity, variantSpec, type AugmentSpec } from '../../core/distortions.js';
import { VectorSource } from '../vector-source.js';
import type { Dataset, SplitImage } from '../dataset.js';
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
    context.record({ 'training images': imageSetKey(dataset.images, 'training') });
    if (distortions === undefined) {
      context.events.upToDate('distortions are off');
      return [dataset];
    }
    const vectors = new VectorSource(context, context.inputs);
    let started = false;
    const progress = () => context.emit({ type: 'augment-progress', ...vectors.counts });
    const withVariants = async (image: SplitImage): Promise<SplitImage> => {
      if (image.set !== 'training') return image;
      // Variants that come out the same, or the same as the image itself, are counted once.
      const specs = new Map<string, AugmentSpec>();
      for (let index = 0; index < distortions.variants; index++) {
        const spec = variantSpec(image.sha256, distortions, index);
        if (!isIdentity(spec)) specs.set(augmentId(spec), spec);
      }
      const variants = await Promise.all(
        [...specs].map(async ([id, augment]) => {
          const key = bottleneckKey(context.identity, image.sha256, id);
          const outcome = await vectors.get({ key, path: image.path, sha256: image.sha256, augment });
          if (!('vector' in outcome) || !outcome.cached) {
            if (!started) context.events.start(`${distortions.variants} distorted variants per training image`);
            started = true;
            progress();
          }
          if ('vector' in outcome) return { key, vector: outcome.vector };
          if (!outcome.stopped) context.emit({ type: 'warning', message: `${image.path}: a distorted variant was skipped: ${outcome.error}` });
          return undefined;
        }),
      );
      return { ...image, variants: variants.filter((v) => v !== undefined) };
    };
    return from(Promise.all(dataset.images.map(withVariants)).finally(() => vectors.close())).pipe(
      mergeMap(async (images) => {
        const { computed, cached } = vectors.counts;
        if (started) context.events.done(`${computed} computed, ${cached} cached`);
        else context.events.upToDate(`${cached} variants cached`);
        return { ...dataset, images };
      }),
    );
  }),
);
