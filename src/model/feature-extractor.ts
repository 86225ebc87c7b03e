import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ModelIdentity } from './model-identity.js';
import { foldBatchNorm } from './fold-batch-norm.js';
import { fromNamedWeights, toNamedWeights } from './named-weights.js';
import { readModelFiles } from './read-model-files.js';
import { ModelError, type ResolvedModel } from './resolve-model.js';
import { isGraphModel } from './weights-manifest.js';

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
  const keep = resolved.options.featureLayer ? [resolved.options.featureLayer] : [];
  const { artifacts, renamed } = fold ? foldedArtifacts(files.artifacts, keep) : { artifacts: files.artifacts, renamed: new Map<string, string>() };
  const full = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  const options = resolved.options;
  let output: tfl.SymbolicTensor;
  if (options.featureLayer) {
    let layer: tfl.layers.Layer;
    try {
      layer = full.getLayer(renamed.get(options.featureLayer) ?? options.featureLayer);
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

/** The model with batch norm folded into its convolutions, when its weights allow it. */
function foldedArtifacts(artifacts: tf.io.ModelArtifacts, keep: string[]): { artifacts: tf.io.ModelArtifacts; renamed: Map<string, string> } {
  const named = toNamedWeights(artifacts.weightSpecs ?? [], artifacts.weightData as ArrayBuffer);
  if (!named) return { artifacts, renamed: new Map() };
  const folded = foldBatchNorm(artifacts.modelTopology, named, { keep });
  const { specs, data } = fromNamedWeights(folded.weights);
  return {
    artifacts: { ...artifacts, modelTopology: folded.topology as object, weightSpecs: specs, weightData: data },
    renamed: folded.renamed,
  };
}
