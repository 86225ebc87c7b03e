import { map, type OperatorFunction } from '../src/util/rx.js';
import type { Dataset, ImageWithVector } from '../src/pipeline/dataset.js';
import { defineTask } from '../src/pipeline/task.js';
import { assignSets } from '../src/split/assign-sets.js';

export interface VectorisedImages {
  labels: string[];
  images: ImageWithVector[];
}

/** Splits the usable images into training, validation and testing with the original's stable hash rule. */
export const splitTask = defineTask<VectorisedImages, Dataset>({
  name: 'split',
  inputs: ['image names relative to their class folder', 'content hashes', 'config.split'],
  outputs: ['set of every image'],
  operator: (context): OperatorFunction<VectorisedImages, Dataset> =>
    map(({ labels, images }) => {
      const { validationPercentage, testingPercentage } = context.config.split;
      const { assignments, notes } = assignSets(images, validationPercentage, testingPercentage);
      for (const message of notes) context.emit({ type: 'warning', message });
      const count = (set: string) => assignments.filter((a) => a.set === set).length;
      context.emit({
        type: 'info',
        message: `split: ${count('training')} training, ${count('validation')} validation, ${count('testing')} testing`,
      });
      return { labels, images: assignments };
    }),
});
