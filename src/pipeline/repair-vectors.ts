import { DamagedVectorError } from './damaged-vector.js';
import type { BuildContext } from './build-context.js';
import type { DatasetImages } from './dataset-images.js';

/**
 * Runs `work` (which reads vectors); when a cached vector turns out damaged, recomputes it (the damaged
 * entry is already removed), gives the images that use it the new vector and runs `work` again. The work
 * is deterministic, so running it again gives what it would have given with an intact cache.
 */
export async function withRepairedVectors<T>(context: Pick<BuildContext, 'cache' | 'recomputeVector'>, images: DatasetImages, work: () => T | Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof DamagedVectorError)) throw error;
      const { request } = error;
      await context.cache.flushed();
      if (!context.recomputeVector) throw error;
      const outcome = await context.recomputeVector(request);
      if (!('vector' in outcome)) throw new Error(`${request.path}: its damaged cached vector cannot be computed again: ${outcome.error}`);
      images.replaceVector(request.key, outcome.vector);
    }
  }
}
