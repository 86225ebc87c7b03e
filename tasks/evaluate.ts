import { map, type OperatorFunction } from '../src/util/rx.js';
import { evaluateHead, type Evaluation, type LabelledExample } from '../src/evaluate/evaluate-head.js';
import { stageTask } from '../src/pipeline/stage.js';
import { evaluateStage } from '../src/pipeline/stages.js';
import { testSetKey } from '../src/store/keys.js';
import { Random } from '../src/train/random.js';
import type { Trained } from './train.js';

export interface Evaluated extends Trained {
  test: Evaluation;
  validation: Evaluation;
  /** The evaluate stage's key (head, test set, how many test images). */
  evaluationKey: string;
}

/** Final accuracy of the trained head on the test set (all of it, or test_batch_size images) and the validation set. */
export const evaluateTask = stageTask(evaluateStage, (context): OperatorFunction<Trained, Evaluated> =>
    map((trained) => {
      const { labels, images } = trained.dataset;
      const run = context.begin({ head: trained.fingerprint, 'test set': testSetKey(images) });
      run.start();
      const classIndex = new Map(labels.map((label, i) => [label, i]));
      const examples = (set: string): LabelledExample[] =>
        images
          .filter((image) => image.set === set)
          .map((image) => ({ path: image.path, label: classIndex.get(image.label)!, vector: image.vector() }));
      let testExamples = examples('testing');
      const limit = context.inputs['train.testBatchSize'];
      if (limit > 0 && limit < testExamples.length) {
        const random = new Random(context.inputs.seed + 1);
        testExamples = testExamples
          .map((example) => ({ example, order: random.next() }))
          .sort((a, b) => a.order - b.order)
          .slice(0, limit)
          .map(({ example }) => example);
      }
      const evaluated = { ...trained, test: evaluateHead(trained.head, testExamples), validation: evaluateHead(trained.head, examples('validation')), evaluationKey: run.key };
      run.done();
      return evaluated;
    }),
);
