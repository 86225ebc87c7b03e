import { mergeMap, type OperatorFunction } from '../../util/rx.js';
import { decodeHead, encodeHead, type StoredHead } from '../../store/retrain-cache.js';
import type { HistogramSummary } from '../../core/histogram.js';
import { readManifest } from '../../export/read-manifest.js';
import type { BuildContext } from '../build-context.js';
import type { Dataset, DatasetImages } from '../dataset-images.js';
import type { SplitName } from '../../core/original-split.js';
import { withRepairedVectors } from '../repair-vectors.js';
import { stageTask } from '../stage.js';
import { trainStage } from '../stage-declarations.js';
import type { SoftmaxHead } from '../../core/softmax-head.js';
import { choiceFor, initBackend } from '../../engine/model/backend.js';
import { trainHead, type EvalPoint, type IndexedVectors, type LabelledVectors, type TrainParams, type TrainResult } from '../../core/train-head.js';
import { trainingDataKey, warmHeadKey } from '../../store/keys.js';
import { trainConvergedHead } from '../../core/train-converged-head.js';

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
export const trainTask = stageTask(trainStage, (context): OperatorFunction<Dataset, Trained> =>
    mergeMap(async (dataset) => {
      const { inputs } = context;
      const params: TrainParams = {
        steps: inputs['train.steps'],
        learningRate: inputs['train.learningRate'],
        batchSize: inputs['train.batchSize'],
        evalStepInterval: inputs['train.evalStepInterval'],
        validationBatchSize: inputs['train.validationBatchSize'],
        seed: inputs.seed,
      };
      // What the head is trained from. A cold head is cached under it; a warm-started head also depends on
      // the head it started from, so it is cached under both, and the export remembers the first.
      const options = inputs.head;
      const withOptions = options !== undefined;
      const run = context.begin({ 'training data': trainingDataKey(dataset.labels, dataset.images) });
      const trainingKey = run.key;
      const warmStart = inputs['train.warmStart'];
      if (warmStart && withOptions) context.emit({ type: 'warning', message: 'train.warmStart is not used with head options; training from scratch' });
      const warm = warmStart && !withOptions ? await previousHead(context, inputs.outputDir, dataset.labels) : undefined;
      if (warm?.trainingFingerprint === trainingKey) {
        run.upToDate('same data and settings as the exported head');
        return { dataset, ...warm.stored, fingerprint: warm.fingerprint, trainingFingerprint: trainingKey, trained: false };
      }
      const fingerprint = warm ? warmHeadKey(trainingKey, warm.fingerprint) : trainingKey;
      const stored = context.cache.getHead(fingerprint);
      if (stored) {
        run.upToDate('same data and settings, head taken from the cache');
        return { dataset, ...fromStored(stored), fingerprint, trainingFingerprint: trainingKey, trained: false };
      }
      const shared = await sharedHead(context, fingerprint);
      if (shared) {
        void context.cache.putHead(fingerprint, shared);
        run.upToDate('same data and settings, head taken from the remote cache');
        return { dataset, ...fromStored(shared), fingerprint, trainingFingerprint: trainingKey, trained: false };
      }
      const converged = !withOptions && inputs['train.solver'] === 'lbfgs';
      if (converged) run.start(inputs['train.l2'] === undefined ? 'L-BFGS, L2 by 5-fold cross-validation' : `L-BFGS, L2 ${inputs['train.l2']}`);
      else run.start(`${params.steps} steps`, params.steps);
      // A training image counts with its distorted variants (when distortions are on).
      const subset = (set: SplitName): LabelledVectors => {
        const { labels, vector } = subsetOf(dataset.images, set);
        return { vectors: labels.map((_, j) => vector(j)), labels };
      };
      const onEval = (point: EvalPoint) => context.emit({ type: 'train-eval', ...point });
      let trained: TrainResult & { stoppedEarlyAt?: number };
      if (withOptions) {
        // TensorFlow.js only now: a build whose head is cached does not load it.
        const { trainHeadWithOptions } = await import('../../core/head-options-trainer.js');
        await initBackend(choiceFor(context.engine.tfBackend));
        trained = trainHeadWithOptions(subset('training'), subset('validation'), dataset.labels, params, options, onEval);
        if (trained.stoppedEarlyAt !== undefined) {
          context.emit({ type: 'info', message: `early stopping at step ${trained.stoppedEarlyAt}: validation loss stopped improving; keeping the best weights` });
        }
      } else {
        // Vectors are read from the cache as training samples them (streamed), not gathered first.
        const indexed = (set: SplitName): IndexedVectors => subsetOf(dataset.images, set);
        trained = await withRepairedVectors(context, dataset.images, () => {
          if (!converged) return trainHead(indexed('training'), indexed('validation'), dataset.labels.length, params, onEval, warm?.stored.head);
          const result = trainConvergedHead(indexed('training'), indexed('validation'), dataset.labels.length, { l2: inputs['train.l2'], evalStepInterval: params.evalStepInterval }, onEval, warm?.stored.head);
          const scores = result.l2.scores.map((s) => `${s.l2}: ${s.right}`).join(', ');
          context.emit({ type: 'info', message: `head: L2 ${result.l2.l2}${scores ? ` (5-fold cross-validation on the training images, right out of fold: ${scores})` : ''}` });
          return result;
        });
      }
      const { head, log, histograms } = trained;
      const toStore: StoredHead = { ...head, log, histograms };
      void context.cache.putHead(fingerprint, toStore);
      await context.remote?.putBlob('heads', fingerprint, encodeHead(toStore));
      run.done();
      return { dataset, head, log, histograms, fingerprint, trainingFingerprint: trainingKey, trained: true };
    }),
);

/**
 * The class indices of one set and its vectors by position (read when asked for), each training image followed
 * by its distorted variants: a position is an image index and a variant number (-1: the image itself).
 */
function subsetOf(images: DatasetImages, set: SplitName): IndexedVectors {
  const indices = images.indicesIn(set);
  let size = 0;
  for (const i of indices) size += 1 + images.variants(i).length;
  // Columns, not a number array per position (three of them held the whole training).
  const rows = new Int32Array(size);
  const variant = new Int32Array(size);
  const labels = new Array<number>(size);
  let j = 0;
  for (const i of indices) {
    for (let k = -1; k < images.variants(i).length; k++, j++) {
      rows[j] = i;
      variant[j] = k;
      labels[j] = images.classIndex(i);
    }
  }
  return { labels, vector: (j) => (variant[j]! < 0 ? images.vector(rows[j]!) : images.variantVector(rows[j]!, variant[j]!)) };
}

/** The exported model's head, when it was made for the same classes and model (for a warm start). */
async function previousHead(context: Pick<BuildContext, 'identity' | 'cache'>, outputDir: string, labels: string[]) {
  const manifest = await readManifest(outputDir);
  if (!manifest?.headFingerprint || manifest.model.fingerprint !== context.identity.fingerprint) return undefined;
  if (JSON.stringify(manifest.labels) !== JSON.stringify(labels)) return undefined;
  const stored = context.cache.getHead(manifest.headFingerprint);
  if (!stored) return undefined;
  return { stored: fromStored(stored), fingerprint: manifest.headFingerprint, trainingFingerprint: manifest.trainingFingerprint };
}

/**
 * A head another machine trained on the same data and settings, from the remote cache: verified there
 * (key and digest), and decoded and size-checked here; anything else is a miss and the head is trained.
 */
async function sharedHead(context: Pick<BuildContext, 'remote' | 'emit'>, fingerprint: string): Promise<StoredHead | undefined> {
  const bytes = await context.remote?.getBlob('heads', fingerprint);
  if (!bytes) return undefined;
  const head = decodeHead(bytes);
  if (!head) context.emit({ type: 'warning', message: `remote cache ${context.remote!.url}: the head ${fingerprint} does not decode; training it here` });
  return head;
}

function fromStored(stored: StoredHead): { head: SoftmaxHead; log: EvalPoint[]; histograms: HistogramSummary[] } {
  const { featureSize, numClasses, weights, biases, hidden } = stored;
  return { head: { featureSize, numClasses, weights, biases, hidden }, log: stored.log as EvalPoint[], histograms: (stored.histograms ?? []) as HistogramSummary[] };
}
