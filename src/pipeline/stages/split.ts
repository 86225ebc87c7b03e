import { map, type OperatorFunction } from '../../util/rx.js';
import type { Dataset, ImageWithVector } from '../dataset.js';
import { stageTask } from '../stage.js';
import { splitStage } from '../stage-declarations.js';
import { assignSets } from '../../core/assign-sets.js';
import { imagesKey } from '../../store/keys.js';

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
