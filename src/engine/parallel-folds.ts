import { Worker } from 'node:worker_threads';
import type { TrainParams } from '../core/train-head.js';
import { assembleAudit, givenLabels, type AuditImage, type AuditOptions, type AuditReport } from '../core/audit/audit.js';
import { gatherFolds, planFolds, trainFold, type FoldSolver } from '../core/audit/cross-validated-probabilities.js';

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
  const plan = planFolds(vectors, labels, numClasses, params, folds, solver);
  const workers = Math.min(Math.floor(threads), plan.folds);
  if (workers <= 1 || vectors.length === 0) return gatherFolds(plan, Array.from({ length: plan.folds }, (_, fold) => trainFold(plan, fold)));
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
  const shared: SharedFoldPlan = {
    flat,
    dimensions,
    labels: sharedInt32(labels),
    numClasses,
    params: plan.params,
    foldOf: sharedInt32(plan.foldOf),
    folds: plan.folds,
    gram,
    coordinates,
    lambda: plan.lambda,
  };
  const results: FoldResult[] = new Array(plan.folds);
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      const worker = new Worker(new URL('./fold-worker.js', import.meta.url), { workerData: shared });
      try {
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
            worker.postMessage(fold);
          });
        }
      } finally {
        await worker.terminate();
      }
    }),
  );
  return gatherFolds(plan, results);
}

/** `auditImages` with the cross-validation folds trained by up to `threads` worker threads: the same report. */
export async function auditImagesInWorkers(images: readonly AuditImage[], labels: readonly string[], options: AuditOptions, threads: number): Promise<AuditReport> {
  const given = givenLabels(images, labels);
  const headProbabilities = await crossValidatedProbabilitiesInWorkers(images.map((image) => image.vector), given, labels.length, options.train, options.folds, threads);
  return assembleAudit(images, labels, options, given, headProbabilities);
}
