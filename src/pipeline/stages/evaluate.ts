import { mergeMap, type OperatorFunction } from '../../util/rx.js';
import { evaluateHeadStreamed, type Evaluation } from '../../core/evaluate-head.js';
import { readEvaluation, writeEvaluation } from '../stored-evaluation.js';
import { sha256Hex } from '../../util/content-hash.js';
import { stageTask } from '../stage.js';
import { evaluateStage } from '../stage-declarations.js';
import { testSetKey } from '../../store/keys.js';
import { withRepairedVectors } from '../repair-vectors.js';
import { Random } from '../../core/random.js';
import type { Trained } from './train.js';
import type { SplitName } from '../../core/original-split.js';

export interface Evaluated extends Trained {
  test: Evaluation;
  validation: Evaluation;
  /** The evaluate stage's key (head, test set, how many test images). */
  evaluationKey: string;
  /** Where the evaluation is stored in the cache (readEvaluation): an up-to-date build reads its misclassified images there. */
  storedEvaluationKey: string;
}

/**
 * Final accuracy of the trained head on the test set (all of it, or test_batch_size images) and the validation set.
 * Vectors are read one at a time; the result is stored under the stage key (and the images' paths, which it
 * names), so an up-to-date build reads no vector.
 */
export const evaluateTask = stageTask(evaluateStage, (context): OperatorFunction<Trained, Evaluated> =>
    mergeMap(async (trained) => {
      const { images } = trained.dataset;
      const run = context.begin({ head: trained.fingerprint, 'test set': testSetKey(images) });
      const examples = (set: SplitName) =>
        images.indicesIn(set).map((i) => ({ path: images.path(i), label: images.classIndex(i), vector: () => images.vector(i) }));
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
      const validationExamples = examples('validation');
      const storedKey = sha256Hex(`${run.key}\n${testExamples.map((e) => e.path).join('\n')}\n\n${validationExamples.map((e) => e.path).join('\n')}`);
      const stored = await readEvaluation(context.cache.dir, storedKey);
      if (stored) {
        run.upToDate('same head and sets, evaluation taken from the cache');
        return { ...trained, ...stored, evaluationKey: run.key, storedEvaluationKey: storedKey };
      }
      run.start();
      const evaluation = await withRepairedVectors(context, images, () => ({
        test: evaluateHeadStreamed(trained.head, testExamples),
        validation: evaluateHeadStreamed(trained.head, validationExamples),
      }));
      await writeEvaluation(context.cache.dir, storedKey, evaluation);
      run.done();
      return { ...trained, ...evaluation, evaluationKey: run.key, storedEvaluationKey: storedKey };
    }),
);
