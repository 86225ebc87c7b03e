import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ModelIdentity } from './model-identity.js';
import { foldModel, type NamedWeight } from './model/fold-batch-norm.js';
import { fromNamedWeights } from './model/named-weights.js';
import { readModelFiles } from './model/read-model-files.js';
import { ModelError, type ResolvedModel } from './model/resolve-model.js';
import { isGraphModel } from './model/weights-manifest.js';

/** A backbone cut at its feature layer, ready to turn images into bottleneck vectors. */
export interface FeatureExtractor {
  /** Layers model from the network input to the (pooled) feature vector. */
  model: tfl.LayersModel;
  inputSize: [number, number];
  range: [number, number];
  featureSize: number;
}

/** Loads a resolved model and cuts it at its feature layer (pooling a spatial output). Needs a backend. */
export async function loadFeatureExtractor(
  resolved: ResolvedModel,
  identity: ModelIdentity,
  { foldBatchNorm: fold = true }: { foldBatchNorm?: boolean } = {},
): Promise<FeatureExtractor> {
  const files = await readModelFiles(resolved.modelJson);
  if (isGraphModel(files.json)) {
    throw new ModelError(
      `model "${resolved.source}": TF.js graph models are not supported yet (export needs a layers model); convert it as a layers model`,
    );
  }
  const folded = fold ? foldModel(files.artifacts, resolved.options.featureLayer) : undefined;
  const artifacts = folded ? withWeights(files.artifacts, folded.topology, folded.weights) : files.artifacts;
  const featureLayer = folded ? folded.featureLayer : resolved.options.featureLayer;
  const full = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  const options = resolved.options;
  let output: tfl.SymbolicTensor;
  if (options.featureLayer) {
    let layer: tfl.layers.Layer;
    try {
      layer = full.getLayer(featureLayer!);
    } catch {
      throw new ModelError(`model "${resolved.source}": no layer named "${options.featureLayer}"`);
    }
    output = layer.output as tfl.SymbolicTensor;
  } else {
    output = full.outputs[0]!;
  }
  const spatial = output.shape.length === 4;
  const pooling = options.pooling ?? (spatial ? 'avg' : 'none');
  if (spatial && pooling === 'avg') {
    output = tfl.layers.globalAveragePooling2d({ name: 'retrain_feature_pool' }).apply(output) as tfl.SymbolicTensor;
  }
  if (output.shape.length !== 2) {
    throw new ModelError(`model "${resolved.source}": feature output has shape [${output.shape}], expected a vector per image`);
  }
  const model = options.featureLayer || pooling === 'avg' ? tfl.model({ inputs: full.inputs, outputs: output }) : full;
  return { model, inputSize: identity.inputSize, range: identity.range, featureSize: output.shape[1] as number };
}

/** Scales RGB bytes (0..255) to the network's range and runs the extractor; returns one vector per image. */
export function extractFeatures(extractor: FeatureExtractor, pixels: Uint8Array[]): Float32Array[] {
  const [h, w] = extractor.inputSize;
  const [lo, hi] = extractor.range;
  const vectors = tf.tidy(() => {
    const stacked = new Float32Array(pixels.length * h * w * 3);
    pixels.forEach((p, i) => stacked.set(p, i * h * w * 3));
    const input = tf.add(tf.mul(tf.tensor4d(stacked, [pixels.length, h, w, 3]), (hi - lo) / 255), lo);
    return extractor.model.predict(input) as tf.Tensor;
  });
  const data = vectors.dataSync() as Float32Array;
  vectors.dispose();
  const d = extractor.featureSize;
  return pixels.map((_, i) => data.slice(i * d, (i + 1) * d));
}

/** The artifacts with another topology and weights. */
function withWeights(artifacts: tf.io.ModelArtifacts, topology: unknown, weights: Map<string, NamedWeight>): tf.io.ModelArtifacts {
  const { specs, data } = fromNamedWeights(weights);
  return { ...artifacts, modelTopology: topology as object, weightSpecs: specs, weightData: data };
}
