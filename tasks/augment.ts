import { from, mergeMap, type OperatorFunction } from 'rxjs';
import { distortionId, distortionsActive, variantSpec } from '../src/augment/distortions.js';
import { bottleneckKey } from '../src/bottleneck/bottleneck-key.js';
import { VectorSource } from '../src/bottleneck/vector-source.js';
import type { Dataset, SplitImage } from '../src/pipeline/dataset.js';
import { defineTask } from '../src/pipeline/task.js';

type SplitDataset = Omit<Dataset, 'skipped'>;

/**
 * Gives every training image its distorted variants' vectors, each cached under content + distortion
 * settings + variant index, so a rebuild, a watch step or another experiment reuses them. Passes the
 * dataset through untouched when distortions are off.
 */
export const augmentTask = defineTask<SplitDataset, SplitDataset>({
  name: 'augment',
  inputs: ['training images', 'config.distortions', 'cache.bottlenecks'],
  outputs: ['distorted variants per training image', 'cache.bottlenecks'],
  operator: (context): OperatorFunction<SplitDataset, SplitDataset> =>
    mergeMap((dataset) => {
      const distortions = context.config.distortions;
      if (!distortionsActive(distortions)) return [dataset];
      const id = distortionId(distortions);
      const vectors = new VectorSource(context);
      const progress = () => context.emit({ type: 'augment-progress', ...vectors.counts });
      context.emit({ type: 'stage', stage: 'augment', status: 'start', detail: `${distortions.variants} distorted variants per training image` });
      const withVariants = async (image: SplitImage): Promise<SplitImage> => {
        if (image.set !== 'training') return image;
        const variants: NonNullable<SplitImage['variants']> = [];
        await Promise.all(
          Array.from({ length: distortions.variants }, async (_, index) => {
            const key = bottleneckKey(context.identity, image.sha256, { distortionId: id, index });
            const outcome = await vectors.get({ key, path: image.path, sha256: image.sha256, augment: variantSpec(image.sha256, distortions, index) });
            if (!('vector' in outcome) || !outcome.cached) progress();
            if ('vector' in outcome) variants[index] = { key, vector: outcome.vector };
            else context.emit({ type: 'warning', message: `${image.path}: distorted variant ${index} skipped: ${outcome.error}` });
          }),
        );
        return { ...image, variants: variants.filter(Boolean) };
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
