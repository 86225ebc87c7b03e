import { mergeMap, type OperatorFunction } from '../../util/rx.js';
import { evaluateHeadStreamed, type Evaluation } from '../../core/evaluate-head.js';
import { readEvaluation, writeEvaluation } from '../stored-evaluation.js';
import { sha256HexOfStrings } from '../../util/content-hash.js';
import { stageTask } from '../stage.js';
import { evaluateStage } from '../stage-declarations.js';
import { testSetKey } from '../../store/keys.js';
import { withRepairedVectors } from '../repair-vectors.js';
import { Random } from '../../core/random.js';
import type { Trained } from './train.js';

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
      // Rows until the evaluation runs: an up-to-date build makes no object per test image.
      let testRows = images.indicesIn('testing');
      const limit = context.inputs['train.testBatchSize'];
      if (limit > 0 && limit < testRows.length) {
        const random = new Random(context.inputs.seed + 1);
        const order = Float64Array.from(testRows, () => random.next());
        const positions = Array.from(testRows.keys()).sort((a, b) => order[a]! - order[b]!);
        testRows = Int32Array.from(positions.slice(0, limit), (p) => testRows[p]!);
      }
      const validationRows = images.indicesIn('validation');
      const storedKey = sha256HexOfStrings(pathLines(run.key, testRows, validationRows, (i) => images.path(i)));
      const stored = await readEvaluation(context.cache.dir, storedKey);
      if (stored) {
        run.upToDate('same head and sets, evaluation taken from the cache');
        return { ...trained, ...stored, evaluationKey: run.key, storedEvaluationKey: storedKey };
      }
      run.start();
      const examples = (rows: Int32Array) => Array.from(rows, (i) => ({ path: images.path(i), label: images.classIndex(i), vector: () => images.vector(i) }));
      const evaluation = await withRepairedVectors(context, images, () => ({
        test: evaluateHeadStreamed(trained.head, examples(testRows)),
        validation: evaluateHeadStreamed(trained.head, examples(validationRows)),
      }));
      await writeEvaluation(context.cache.dir, storedKey, evaluation);
      run.done();
      return { ...trained, ...evaluation, evaluationKey: run.key, storedEvaluationKey: storedKey };
    }),
);

/**
 * The text of the stored evaluation's key, a piece at a time: the stage key, then the test images' paths and the
 * validation images' paths, one a line, the two lists separated by an empty line.
 */
function* pathLines(key: string, test: Int32Array, validation: Int32Array, path: (i: number) => string): Generator<string> {
  yield `${key}\n`;
  for (let j = 0; j < test.length; j++) yield j === 0 ? path(test[j]!) : `\n${path(test[j]!)}`;
  yield '\n\n';
  for (let j = 0; j < validation.length; j++) yield j === 0 ? path(validation[j]!) : `\n${path(validation[j]!)}`;
}
