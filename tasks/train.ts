import { mergeMap, type OperatorFunction } from '../src/util/rx.js';
import type { StoredHead } from '../src/cache/retrain-cache.js';
import type { HistogramSummary } from '../src/report/histogram.js';
import { readManifest } from '../src/export/read-manifest.js';
import { sha256Hex } from '../src/hash/content-hash.js';
import type { BuildContext } from '../src/pipeline/build-context.js';
import type { Dataset } from '../src/pipeline/dataset.js';
import { defineTask } from '../src/pipeline/task.js';
import type { SoftmaxHead } from '../src/train/softmax-head.js';
import { choiceFor, initBackend } from '../src/model/backend.js';
import { needsOptionsTrainer } from '../src/train/needs-options-trainer.js';
import { trainHead, type EvalPoint, type LabelledVectors, type TrainParams, type TrainResult } from '../src/train/train-head.js';
import { trainingFingerprint } from '../src/train/training-fingerprint.js';

export interface Trained {
  dataset: Dataset;
  head: SoftmaxHead;
  log: EvalPoint[];
  histograms: HistogramSummary[];
  /** The head's key in the cache. */
  fingerprint: string;
  /** Identity of the data and settings it was trained on (without a warm start's starting point). */
  trainingFingerprint: string;
  /** False when an identical training was found in the cache. */
  trained: boolean;
}

/**
 * Trains the softmax head on the training vectors, validating as it goes. Skipped, like an up-to-date make
 * target, when a head with the same training fingerprint is cached.
 */
export const trainTask = defineTask<Dataset, Trained>({
  name: 'train',
  inputs: ['training + validation vectors and labels', 'config.train', 'config.seed'],
  outputs: ['softmax head', 'cache.heads'],
  operator: (context): OperatorFunction<Dataset, Trained> =>
    mergeMap(async (dataset) => {
      const { train: t, seed } = context.config;
      const params: TrainParams = {
        steps: t.steps,
        learningRate: t.learningRate,
        batchSize: t.batchSize,
        evalStepInterval: t.evalStepInterval,
        validationBatchSize: t.validationBatchSize,
        seed,
      };
      // What the head is trained from. A cold head is cached under it; a warm-started head also depends on
      // the head it started from, so it is cached under both, and the export remembers the first.
      const options = context.config.head;
      const withOptions = needsOptionsTrainer(options);
      const trainingKey = trainingFingerprint(dataset.labels, dataset.images, { ...params, ...(withOptions ? { head: options } : {}) });
      if (t.warmStart && withOptions) context.emit({ type: 'warning', message: 'train.warmStart is not used with head options; training from scratch' });
      const warm = t.warmStart && !withOptions ? await previousHead(context, dataset.labels) : undefined;
      if (warm?.trainingFingerprint === trainingKey) {
        context.emit({ type: 'stage', stage: 'train', status: 'up-to-date', detail: 'same data and settings as the exported head' });
        return { dataset, ...warm.stored, fingerprint: warm.fingerprint, trainingFingerprint: trainingKey, trained: false };
      }
      const fingerprint = warm ? sha256Hex(`${trainingKey}|warm:${warm.fingerprint}`) : trainingKey;
      const stored = context.cache.getHead(fingerprint);
      if (stored) {
        context.emit({ type: 'stage', stage: 'train', status: 'up-to-date', detail: 'same data and settings, head taken from the cache' });
        return { dataset, ...fromStored(stored), fingerprint, trainingFingerprint: trainingKey, trained: false };
      }
      context.emit({ type: 'stage', stage: 'train', status: 'start', detail: `${params.steps} steps`, total: params.steps });
      // A training image counts with its distorted variants (when distortions are on).
      const classIndex = new Map(dataset.labels.map((label, i) => [label, i]));
      const subset = (set: string): LabelledVectors => {
        const vectors: Float32Array[] = [];
        const labels: number[] = [];
        for (const image of dataset.images.filter((i) => i.set === set)) {
          for (const vector of [image.vector(), ...(image.variants ?? []).map((v) => v.vector())]) {
            vectors.push(vector);
            labels.push(classIndex.get(image.label)!);
          }
        }
        return { vectors, labels };
      };
      const onEval = (point: EvalPoint) => context.emit({ type: 'train-eval', ...point });
      let trained: TrainResult & { stoppedEarlyAt?: number };
      if (withOptions) {
        // TensorFlow.js only now: a build whose head is cached does not load it.
        const { trainHeadWithOptions } = await import('../src/train/head-options-trainer.js');
        await initBackend(choiceFor(context.engine.tfBackend));
        trained = trainHeadWithOptions(subset('training'), subset('validation'), dataset.labels, params, options, onEval);
        if (trained.stoppedEarlyAt !== undefined) {
          context.emit({ type: 'info', message: `early stopping at step ${trained.stoppedEarlyAt}: validation loss stopped improving; keeping the best weights` });
        }
      } else {
        trained = trainHead(subset('training'), subset('validation'), dataset.labels.length, params, onEval, warm?.stored.head);
      }
      const { head, log, histograms } = trained;
      void context.cache.putHead(fingerprint, { ...head, log, histograms });
      context.emit({ type: 'stage', stage: 'train', status: 'done' });
      return { dataset, head, log, histograms, fingerprint, trainingFingerprint: trainingKey, trained: true };
    }),
});

/** The exported model's head, when it was made for the same classes and model (for a warm start). */
async function previousHead(context: BuildContext, labels: string[]) {
  const manifest = await readManifest(context.config.outputDir);
  if (!manifest?.headFingerprint || manifest.model.fingerprint !== context.identity.fingerprint) return undefined;
  if (JSON.stringify(manifest.labels) !== JSON.stringify(labels)) return undefined;
  const stored = context.cache.getHead(manifest.headFingerprint);
  if (!stored) return undefined;
  return { stored: fromStored(stored), fingerprint: manifest.headFingerprint, trainingFingerprint: manifest.trainingFingerprint };
}

function fromStored(stored: StoredHead): { head: SoftmaxHead; log: EvalPoint[]; histograms: HistogramSummary[] } {
  const { featureSize, numClasses, weights, biases, hidden } = stored;
  return { head: { featureSize, numClasses, weights, biases, hidden }, log: stored.log as EvalPoint[], histograms: (stored.histograms ?? []) as HistogramSummary[] };
}
