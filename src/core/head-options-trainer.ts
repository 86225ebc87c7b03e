import * as tf from '@tensorflow/tfjs-core';
// Registers TF.js's gradient functions, which tf.variableGrads needs (tfjs-core alone has none). This module
// is loaded only to train with head options, so neither costs anything otherwise.
import '@tensorflow/tfjs-layers';
import type { HeadOptions } from '../config/define-config.js';
import { histogramOf, type HistogramSummary } from './histogram.js';
import { createClassBalancedSampler } from './class-balanced-sampler.js';
import { Random } from './random.js';
import type { SoftmaxHead } from './softmax-head.js';
import type { EvalPoint, LabelledVectors, TrainParams, TrainResult } from './train-head.js';

export { needsOptionsTrainer } from './needs-options-trainer.js';

/**
 * Trains the head with the options the original lacks — momentum or Adam, L2, label smoothing, class
 * weights, early stopping on validation loss, a hidden ReLU layer with dropout — on TensorFlow.js (needs an
 * initialised backend). Same class-balanced sampling and seeded initialisation as the plain trainer; dropout
 * masks are seeded per step, so a run is repeatable on the same backend.
 */
export function trainHeadWithOptions(
  train: LabelledVectors,
  validation: LabelledVectors,
  labels: readonly string[],
  params: TrainParams,
  options: HeadOptions,
  onEval?: (point: EvalPoint) => void,
): TrainResult & { stoppedEarlyAt?: number } {
  const numClasses = labels.length;
  const featureSize = train.vectors[0]!.length;
  const random = new Random(params.seed);
  const hiddenUnits = options.hiddenUnits ?? 0;
  const init = (count: number, stddev: number) => Float32Array.from({ length: count }, () => random.truncatedNormal(stddev));
  const inputs = hiddenUnits || featureSize;
  // Variables in TF.js layout ([in, out]); the head type is output-major, converted at the end.
  const vars = {
    w1: hiddenUnits ? tf.variable(tf.tensor2d(init(featureSize * hiddenUnits, Math.sqrt(2 / featureSize)), [featureSize, hiddenUnits])) : undefined,
    b1: hiddenUnits ? tf.variable(tf.zeros([hiddenUnits])) : undefined,
    w2: tf.variable(tf.tensor2d(init(inputs * numClasses, 0.001), [inputs, numClasses])),
    b2: tf.variable(tf.zeros([numClasses])),
  };
  const weightsOnly: tf.Variable[] = vars.w1 ? [vars.w1, vars.w2] : [vars.w2];
  const trainable = [vars.w1, vars.b1, vars.w2, vars.b2].filter((v): v is tf.Variable => v !== undefined);
  const optimizer =
    options.optimizer === 'adam'
      ? tf.train.adam(params.learningRate)
      : options.optimizer === 'momentum'
        ? tf.train.momentum(params.learningRate, 0.9)
        : tf.train.sgd(params.learningRate);
  const classWeights = tf.tensor1d(classWeightsFor(labels, train.labels, options.classWeights));
  const trainX = tf.tensor2d(concat(train.vectors), [train.vectors.length, featureSize]);
  const trainY = tf.tensor1d(train.labels, 'int32');
  const validationX = validation.vectors.length ? tf.tensor2d(concat(validation.vectors), [validation.vectors.length, featureSize]) : undefined;
  const validationY = tf.tensor1d(validation.labels, 'int32');

  const forward = (x: tf.Tensor2D, dropoutSeed?: number): tf.Tensor2D => {
    let h: tf.Tensor2D = x;
    if (vars.w1 && vars.b1) {
      h = tf.relu(tf.add(tf.matMul(x, vars.w1), vars.b1)) as tf.Tensor2D;
      if (dropoutSeed !== undefined && (options.dropout ?? 0) > 0) h = tf.dropout(h, options.dropout!, undefined, dropoutSeed) as tf.Tensor2D;
    }
    return tf.add(tf.matMul(h, vars.w2), vars.b2) as tf.Tensor2D;
  };
  const lossOf = (logits: tf.Tensor2D, y: tf.Tensor1D) =>
    tf.losses.softmaxCrossEntropy(tf.oneHot(y, numClasses), logits, tf.gather(classWeights, y), options.labelSmoothing ?? 0);

  const trainSampler = createClassBalancedSampler(train.labels, numClasses, random);
  const validationSampler = createClassBalancedSampler(validation.labels, numClasses, new Random(params.seed ^ 0x5bd1e995));
  const log: EvalPoint[] = [];
  const histograms: HistogramSummary[] = [];
  const snapshotEvery = params.evalStepInterval * Math.max(1, Math.round(params.steps / 10 / params.evalStepInterval));
  let best: { loss: number; values: tf.Tensor[] } | undefined;
  let evalsWithoutImprovement = 0;
  let stoppedEarlyAt: number | undefined;

  for (let step = 0; step < params.steps; step++) {
    const evaluating = step % params.evalStepInterval === 0 || step === params.steps - 1;
    const batch = tf.tensor1d(trainSampler.sample(params.batchSize), 'int32');
    let correct = 0;
    let crossEntropy = NaN;
    tf.tidy(() => {
      const y = tf.gather(trainY, batch) as tf.Tensor1D;
      let predicted: tf.Tensor | undefined;
      const loss = optimizer.minimize(
        () => {
          const logits = forward(tf.gather(trainX, batch) as tf.Tensor2D, params.seed * 1_000_003 + step);
          if (evaluating) predicted = tf.keep(tf.argMax(logits, 1));
          const base = lossOf(logits, y);
          const l2 = options.l2 ? tf.mul(options.l2, tf.addN(weightsOnly.map((w) => tf.sum(tf.square(w))))) : undefined;
          return (l2 ? tf.add(base, l2) : base) as tf.Scalar;
        },
        evaluating,
        trainable,
      );
      // Only evaluation steps read values back: the others never wait for the engine.
      if (evaluating && predicted && loss) {
        correct = tf.sum(tf.cast(tf.equal(predicted, y), 'int32')).dataSync()[0] as number;
        crossEntropy = loss.dataSync()[0] as number;
        tf.dispose(predicted);
      }
    });
    batch.dispose();

    if (evaluating) {
      const picked = params.validationBatchSize === -1 ? validation.labels.map((_, i) => i) : validationSampler.sample(params.validationBatchSize);
      const point: EvalPoint = { step, trainAccuracy: correct / params.batchSize, crossEntropy, validationCount: picked.length };
      if (picked.length > 0 && validationX) {
        const [accuracy, validationLoss] = tf.tidy(() => {
          const index = tf.tensor1d(picked, 'int32');
          const y = tf.gather(validationY, index) as tf.Tensor1D;
          const logits = forward(tf.gather(validationX, index) as tf.Tensor2D);
          const right = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32'));
          return [(right.dataSync()[0] as number) / picked.length, lossOf(logits, y).dataSync()[0] as number];
        });
        point.validationAccuracy = accuracy;
        point.validationCrossEntropy = validationLoss;
      }
      log.push(point);
      onEval?.(point);
      if (step % snapshotEvery === 0 || step === params.steps - 1) {
        histograms.push(histogramOf('final_training_ops/weights', step, vars.w2.dataSync()), histogramOf('final_training_ops/biases', step, vars.b2.dataSync()));
      }
      if (options.earlyStoppingPatience !== undefined && point.validationCrossEntropy !== undefined) {
        if (!best || point.validationCrossEntropy < best.loss) {
          tf.dispose(best?.values);
          best = { loss: point.validationCrossEntropy, values: trainable.map((v) => tf.clone(v)) };
          evalsWithoutImprovement = 0;
        } else if (++evalsWithoutImprovement >= options.earlyStoppingPatience) {
          stoppedEarlyAt = step;
          break;
        }
      }
    }
  }
  if (best) trainable.forEach((v, i) => v.assign(best!.values[i]!));
  const head = toHead(vars, featureSize, numClasses, hiddenUnits);
  tf.dispose([...trainable, ...(best?.values ?? []), classWeights, trainX, trainY, validationY, ...(validationX ? [validationX] : [])]);
  optimizer.dispose();
  return { head, log, histograms, stoppedEarlyAt };
}

/** Per-class loss weights in label order. */
function classWeightsFor(labels: readonly string[], trainLabels: readonly number[], option: HeadOptions['classWeights']): number[] {
  if (option === undefined) return labels.map(() => 1);
  if (option === 'balanced') {
    const counts = labels.map((_, c) => trainLabels.filter((l) => l === c).length);
    return counts.map((n) => (n ? trainLabels.length / (labels.length * n) : 0));
  }
  return labels.map((label) => option[label] ?? 1);
}

function concat(vectors: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(vectors.length * (vectors[0]?.length ?? 0));
  vectors.forEach((v, i) => out.set(v, i * v.length));
  return out;
}

/** TF.js [in, out] kernels to the head's output-major layout. */
function toHead(
  vars: { w1?: tf.Variable; b1?: tf.Variable; w2: tf.Variable; b2: tf.Variable },
  featureSize: number,
  numClasses: number,
  hiddenUnits: number,
): SoftmaxHead {
  const transposed = (v: tf.Variable) => tf.tidy(() => tf.transpose(v).dataSync() as Float32Array);
  return {
    featureSize,
    numClasses,
    weights: transposed(vars.w2),
    biases: Float32Array.from(vars.b2.dataSync() as Float32Array),
    hidden: vars.w1 && vars.b1 ? { units: hiddenUnits, weights: transposed(vars.w1), biases: Float32Array.from(vars.b1.dataSync() as Float32Array) } : undefined,
  };
}
