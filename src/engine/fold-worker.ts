/**
 * Worker thread of `crossValidatedProbabilitiesInWorkers`: rebuilds the fold plan from shared memory once, then
 * trains the folds it is sent, one message each, and answers with the held-out images' probabilities.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { trainFold, type FoldPlan } from '../core/audit/cross-validated-probabilities.js';
import type { FoldRequest, SharedFoldPlan } from './parallel-folds.js';

const shared = workerData as SharedFoldPlan;
const plan: FoldPlan = {
  vectors: Array.from({ length: shared.labels.length }, (_, i) => shared.flat.subarray(i * shared.dimensions, (i + 1) * shared.dimensions)),
  labels: Array.from(shared.labels),
  numClasses: shared.numClasses,
  params: shared.params,
  foldOf: shared.foldOf,
  folds: shared.folds,
  gram: shared.gram,
  coordinates: shared.coordinates,
  lambda: shared.lambda,
};

parentPort!.on('message', ({ fold, excluded }: FoldRequest) => {
  const { held, probabilities } = trainFold({ ...plan, excluded }, fold);
  parentPort!.postMessage({ fold, held, probabilities }, [probabilities.buffer as ArrayBuffer]);
});
