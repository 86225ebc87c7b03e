import { map, type OperatorFunction } from '../../util/rx.js';
import type { ImageColumns } from '../image-columns.js';
import { DatasetImages, type Dataset } from '../dataset-images.js';
import { stageTask } from '../stage.js';
import { splitStage } from '../stage-declarations.js';
import { assignSetIndices } from '../../core/assign-sets.js';
import { bottleneckPrefix, imagesKey } from '../../store/keys.js';

export interface VectorisedImages {
  labels: string[];
  /** In the build's canonical order. */
  images: ImageColumns;
}

/**
 * Splits the usable images into training, validation and testing with the original's stable hash rule. The
 * data set leaves as columns (DatasetImages), not an object per image.
 */
export const splitTask = stageTask(splitStage, (context): OperatorFunction<VectorisedImages, Dataset> =>
  map(({ labels, images }) => {
    const run = context.begin({ images: imagesKey(images) });
    run.start();
    const { sets, notes } = assignSetIndices(images, context.inputs['split.validationPercentage'], context.inputs['split.testingPercentage']);
    for (const message of notes) context.emit({ type: 'warning', message });
    const dataset = DatasetImages.fromColumns(labels, images, sets, bottleneckPrefix(context.identity), context.cache);
    context.emit({
      type: 'info',
      message: `split: ${dataset.countIn('training')} training, ${dataset.countIn('validation')} validation, ${dataset.countIn('testing')} testing`,
    });
    run.done();
    return { labels, images: dataset };
  }),
);
