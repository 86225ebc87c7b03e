import { Worker } from 'node:worker_threads';
import type { TrainParams } from '../core/train-head.js';
import { tooFewImages } from '../core/audit/too-few-images.js';
import { assembleAudit, auditWithoutFolds, cleanedProbabilities, cleaningRoundOf, givenLabels, outOfSampleProbabilities, type AuditImage, type LabelIssueProbabilities, type AuditOptions, type AuditReport } from '../core/audit/audit.js';
import { gatherFolds, planFolds, trainAllFolds, type FoldPlan, type FoldSolver } from '../core/audit/cross-validated-probabilities.js';

/** A fold plan in shared memory, as the fold workers receive it (vectors as one n × dimensions matrix). */
export interface SharedFoldPlan {
  flat: Float32Array<ArrayBufferLike>;
  dimensions: number;
  labels: Int32Array<ArrayBufferLike>;
  numClasses: number;
  params: TrainParams;
  foldOf: Int32Array<ArrayBufferLike>;
  folds: number;
  gram?: Float64Array<ArrayBufferLike>;
  coordinates?: { data: Float64Array<ArrayBufferLike>; width: number; triangular: boolean };
  lambda: number;
}

type FoldResult = { held: number[]; probabilities: Float64Array };

/** What a fold worker is sent: the fold to train and the images left out of its training set (the cleaning round's). */
export interface FoldRequest {
  fold: number;
  excluded?: Uint8Array;
}

/**
 * `crossValidatedProbabilities` with the folds trained by up to `threads` worker threads (one fold each at a
 * time): the same heads and the same probabilities, bit for bit, since every fold runs the same code on the same
 * numbers (vectors and the shared coordinates or Gram matrix are handed over in SharedArrayBuffers, not recomputed). With one
 * thread, or a single fold, it trains on this thread.
 */
export async function crossValidatedProbabilitiesInWorkers(
  vectors: readonly Float32Array[],
  labels: readonly number[],
  numClasses: number,
  params: TrainParams,
  folds: number,
  threads: number,
  solver: FoldSolver = 'auto',
): Promise<Float64Array[]> {
  const pool = foldWorkers(planFolds(vectors, labels, numClasses, params, folds, solver), threads);
  try {
    return await pool.train();
  } finally {
    await pool.close();
  }
}

/**
 * Up to `threads` worker threads holding one fold plan (handed over once, in shared memory), each training one
 * fold at a time: `train(excluded)` is `gatherFolds` of every fold, trained without the `excluded` images. With
 * one thread, or a single fold, the folds are trained on this thread. `close` stops the workers.
 */
export function foldWorkers(plan: FoldPlan, threads: number): { train: (excluded?: Uint8Array) => Promise<Float64Array[]>; close: () => Promise<void> } {
  const count = Math.min(Math.floor(threads), plan.folds);
  if (count <= 1 || plan.vectors.length === 0) {
    return { train: async (excluded) => trainAllFolds(plan, excluded), close: async () => {} };
  }
  let workers: Worker[] | undefined;
  const start = () => {
    const shared = sharedPlan(plan);
    return Array.from({ length: count }, () => new Worker(new URL('./fold-worker.js', import.meta.url), { workerData: shared }));
  };
  return {
    train: async (excluded) => {
      workers ??= start();
      const results: FoldResult[] = new Array(plan.folds);
      let next = 0;
      await Promise.all(
        workers.map(async (worker) => {
          while (next < plan.folds) {
            const fold = next++;
            results[fold] = await new Promise<FoldResult>((resolve, reject) => {
              const onError = (error: Error) => reject(error);
              const onExit = (code: number) => reject(new Error(`audit fold worker stopped (exit code ${code}) while training fold ${fold}`));
              worker.once('error', onError).once('exit', onExit);
              worker.once('message', (message: FoldResult) => {
                worker.off('error', onError).off('exit', onExit);
                resolve(message);
              });
              worker.postMessage({ fold, excluded } satisfies FoldRequest);
            });
          }
        }),
      );
      return gatherFolds(plan, results);
    },
    close: async () => {
      await Promise.all((workers ?? []).map((worker) => worker.terminate()));
    },
  };
}

/** The plan in SharedArrayBuffers, as the fold workers receive it. */
function sharedPlan(plan: FoldPlan): SharedFoldPlan {
  const { vectors, labels } = plan;
  const dimensions = vectors[0]!.length;
  const flat = new Float32Array(new SharedArrayBuffer(vectors.length * dimensions * 4));
  vectors.forEach((v, i) => flat.set(v, i * dimensions));
  const sharedInt32 = (array: ArrayLike<number>) => {
    const copy = new Int32Array(new SharedArrayBuffer(array.length * 4));
    copy.set(array);
    return copy;
  };
  const gram = plan.gram && new Float64Array(new SharedArrayBuffer(plan.gram.byteLength));
  gram?.set(plan.gram!);
  const coordinates = plan.coordinates && { ...plan.coordinates, data: new Float64Array(new SharedArrayBuffer(plan.coordinates.data.byteLength)) };
  coordinates?.data.set(plan.coordinates!.data);
  return { flat, dimensions, labels: sharedInt32(labels), numClasses: plan.numClasses, params: plan.params, foldOf: sharedInt32(plan.foldOf), folds: plan.folds, gram, coordinates, lambda: plan.lambda };
}

/**
 * The out-of-sample probabilities the label issues are read from, with the folds (both rounds) in up to `threads`
 * worker threads: the same as `auditImages` computes on one thread.
 */
export async function labelIssueProbabilitiesInWorkers(
  images: readonly AuditImage[],
  labels: readonly string[],
  options: AuditOptions,
  threads: number,
): Promise<LabelIssueProbabilities & { given: number[] }> {
  const given = givenLabels(images, labels);
  const pool = foldWorkers(planFolds(images.map((image) => image.vector), given, labels.length, options.train, options.folds), threads);
  try {
    const first = outOfSampleProbabilities(images, labels.length, options, given, await pool.train());
    const cleaning = cleaningRoundOf(first, given, labels.length, options);
    return { given, ...(cleaning ? cleanedProbabilities(first, given, cleaning, await pool.train(cleaning.excluded), labels.length, options) : first) };
  } finally {
    await pool.close();
  }
}

/** `auditImages` with the cross-validation folds trained by up to `threads` worker threads: the same report. */
export async function auditImagesInWorkers(images: readonly AuditImage[], labels: readonly string[], options: AuditOptions, threads: number): Promise<AuditReport> {
  const small = tooFewImages(givenLabels(images, labels), labels, options.folds);
  if (small) return auditWithoutFolds(images, options, small);
  const { given, ...probabilities } = await labelIssueProbabilitiesInWorkers(images, labels, options, threads);
  return assembleAudit(images, labels, options, given, probabilities);
}
