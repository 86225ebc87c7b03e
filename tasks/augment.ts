import { from, mergeMap, type OperatorFunction } from '../src/util/rx.js';
import { distortionsActive, isIdentity, variantSpec, type AugmentSpec } from '../src/augment/distortions.js';
import { augmentId, bottleneckKey } from '../src/store/keys.js';
import { VectorSource } from '../src/bottleneck/vector-source.js';
import type { Dataset, SplitImage } from '../src/pipeline/dataset.js';
import { defineTask } from '../src/pipeline/task.js';


/**
 * Gives every training image its distorted variants' vectors, each cached under content + distortion
 * settings + variant index, so a rebuild, a watch step or another experiment reuses them. Passes the
 * dataset through untouched when distortions are off.
 */
export const augmentTask = defineTask<Dataset, Dataset>({
  name: 'augment',
  inputs: ['training images', 'config.distortions', 'cache.bottlenecks'],
  outputs: ['distorted variants per training image', 'cache.bottlenecks'],
  operator: (context): OperatorFunction<Dataset, Dataset> =>
    mergeMap((dataset) => {
      const distortions = context.config.distortions;
      if (!distortionsActive(distortions)) return [dataset];
      const vectors = new VectorSource(context);
      const progress = () => context.emit({ type: 'augment-progress', ...vectors.counts });
      context.emit({ type: 'stage', stage: 'augment', status: 'start', detail: `${distortions.variants} distorted variants per training image` });
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
            if (!('vector' in outcome) || !outcome.cached) progress();
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
          context.emit({ type: 'stage', stage: 'augment', status: 'done', detail: `${computed} computed, ${cached} cached` });
          return { ...dataset, images };
        }),
      );
    }),
});
