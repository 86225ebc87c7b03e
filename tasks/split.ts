import { map, type OperatorFunction } from '../src/util/rx.js';
import type { Dataset, ImageWithVector } from '../src/pipeline/dataset.js';
import { stageTask } from '../src/pipeline/stage.js';
import { splitStage } from '../src/pipeline/stages.js';
import { assignSets } from '../src/split/assign-sets.js';
import { imagesKey } from '../src/store/keys.js';

export interface VectorisedImages {
  labels: string[];
  images: ImageWithVector[];
}

/** Splits the usable images into training, validation and testing with the original's stable hash rule. */
export const splitTask = stageTask(splitStage, (context): OperatorFunction<VectorisedImages, Dataset> =>
  map(({ labels, images }) => {
    const run = context.begin({ images: imagesKey(images) });
    run.start();
    const { assignments, notes } = assignSets(images, context.inputs['split.validationPercentage'], context.inputs['split.testingPercentage']);
    for (const message of notes) context.emit({ type: 'warning', message });
    const count = (set: string) => assignments.filter((a) => a.set === set).length;
    context.emit({
      type: 'info',
      message: `split: ${count('training')} training, ${count('validation')} validation, ${count('testing')} testing`,
    });
    run.done();
    return { labels, images: assignments };
  }),
);
