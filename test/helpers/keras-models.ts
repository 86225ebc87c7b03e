import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { tempDir } from './shared.js';

/** Saves a TF.js layers model as model.json + weights.bin in a new folder. */
export async function saveModel(model: tfl.LayersModel): Promise<string> {
  const dir = await tempDir('retrain-onnx-model-');
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const json = { format: 'layers-model', modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] };
      await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
      await fs.writeFile(path.join(dir, 'weights.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return path.join(dir, 'model.json');
}

/** Sets every weight to seeded values in a range that keeps activations lively (variances stay positive). */
export function randomiseWeights(model: tfl.LayersModel, seed: number) {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (const layer of model.layers) {
    const weights = layer.getWeights().map((w, i) => {
      const name = layer.weights[i]!.name;
      const values = Float32Array.from({ length: w.size }, () => (name.includes('variance') ? 0.5 + next() : (next() - 0.5) * 0.6));
      return tf.tensor(values, w.shape);
    });
    layer.setWeights(weights);
  }
}

/** A small functional model that uses every layer kind the converter knows, in NHWC shapes TF.js checks. */
export function everyLayerModel(): tfl.LayersModel {
  const L = tfl.layers;
  const input = tfl.input({ shape: [17, 19, 3], name: 'image' });
  const padded = L.zeroPadding2d({ padding: [[0, 1], [1, 0]], name: 'pad' }).apply(input) as tfl.SymbolicTensor;
  const c1 = L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu6', name: 'c1' }).apply(padded) as tfl.SymbolicTensor;
  const bn1 = L.batchNormalization({ name: 'bn1' }).apply(c1) as tfl.SymbolicTensor;
  const d1 = L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', useBias: true, name: 'd1' }).apply(bn1) as tfl.SymbolicTensor;
  const relu = L.reLU({ maxValue: 6, name: 'relu6' }).apply(d1) as tfl.SymbolicTensor;
  const c2 = L.conv2d({ filters: 16, kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false, name: 'c2' }).apply(relu) as tfl.SymbolicTensor;
  const bn2 = L.batchNormalization({ name: 'bn2' }).apply(c2) as tfl.SymbolicTensor;
  const leaky = L.leakyReLU({ alpha: 0.1, name: 'leaky' }).apply(bn2) as tfl.SymbolicTensor;
  const c3 = L.conv2d({ filters: 16, kernelSize: 1, activation: 'sigmoid', name: 'c3' }).apply(relu) as tfl.SymbolicTensor;
  const added = L.add({ name: 'add' }).apply([leaky, c3]) as tfl.SymbolicTensor;
  const multiplied = L.multiply({ name: 'mul' }).apply([added, c3]) as tfl.SymbolicTensor;
  const joined = L.concatenate({ name: 'concat' }).apply([multiplied, relu]) as tfl.SymbolicTensor;
  const bn3 = L.batchNormalization({ name: 'bn3' }).apply(joined) as tfl.SymbolicTensor;
  const maxed = L.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same', name: 'maxpool' }).apply(bn3) as tfl.SymbolicTensor;
  const averaged = L.averagePooling2d({ poolSize: 2, padding: 'valid', name: 'avgpool' }).apply(maxed) as tfl.SymbolicTensor;
  const act = L.activation({ activation: 'tanh', name: 'tanh' }).apply(averaged) as tfl.SymbolicTensor;
  const flat = L.flatten({ name: 'flatten' }).apply(act) as tfl.SymbolicTensor;
  const dense = L.dense({ units: 12, activation: 'elu', name: 'dense' }).apply(flat) as tfl.SymbolicTensor;
  const dropped = L.dropout({ rate: 0.5, name: 'dropout' }).apply(dense) as tfl.SymbolicTensor;
  const pooled = L.globalAveragePooling2d({ name: 'gap' }).apply(act) as tfl.SymbolicTensor;
  const out = L.concatenate({ name: 'features' }).apply([dropped, pooled]) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

export function largestDifference(a: Float32Array[], b: Float32Array[]): { worst: number; scale: number } {
  let worst = 0;
  let scale = 0;
  a.forEach((v, i) => v.forEach((x, j) => {
    worst = Math.max(worst, Math.abs(x - b[i]![j]!));
    scale = Math.max(scale, Math.abs(x));
  }));
  return { worst, scale };
}
