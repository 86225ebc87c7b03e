/**
 * Folds every BatchNormalization layer that directly follows a Conv2D or DepthwiseConv2D (with no
 * activation of its own, and whose only consumer it is) into the convolution's kernel and bias, when a
 * layers model is loaded. Inference
 * gives the same features (to float rounding) and runs markedly faster: batch norm is a large share of
 * MobileNet's time in TF.js. A pure transform of the Keras topology JSON and the named weights.
 */

import type * as tf from '@tensorflow/tfjs-core';
import { toNamedWeights, type NamedWeight } from './named-weights.js';

export type { NamedWeight };

// The version of the folding below is BN_FOLD_VERSION in src/store/keys.ts (part of every fingerprint
// of vectors computed from folded weights): bump it whenever the folding changes.

interface KerasLayer {
  class_name: string;
  name?: string;
  config: Record<string, unknown> & { name?: string };
  inbound_nodes?: unknown[];
}

export interface FoldResult {
  topology: unknown;
  weights: Map<string, NamedWeight>;
  /** Folded BN layer name → the convolution that now produces its output. */
  renamed: Map<string, string>;
}

const CONVOLUTIONS = new Set(['Conv2D', 'DepthwiseConv2D']);

/** `keep`: layers whose own output is wanted (a feature layer): a convolution named here is not folded. */
export function foldBatchNorm(topology: unknown, weights: Map<string, NamedWeight>, { keep = [] }: { keep?: string[] } = {}): FoldResult {
  const copy = structuredClone(topology);
  const out = new Map(weights);
  const renamed = new Map<string, string>();
  for (const graph of functionalGraphs(copy)) foldGraph(graph, out, renamed, new Set(keep));
  return { topology: copy, weights: out, renamed };
}

/** Every functional (graph) config in a topology, nested ones included. */
/**
 * A layers model's topology and named weights with batch norm folded, `featureLayer`'s own output kept as
 * it is, and the name that layer has after folding (a folded BN is its convolution now). Undefined when a
 * weight is not plain float32: nothing can be folded then.
 */
export function foldModel(
  artifacts: tf.io.ModelArtifacts,
  featureLayer?: string,
): { topology: unknown; weights: Map<string, NamedWeight>; featureLayer?: string } | undefined {
  const named = toNamedWeights(artifacts.weightSpecs ?? [], artifacts.weightData as ArrayBuffer);
  if (!named) return undefined;
  const folded = foldBatchNorm(artifacts.modelTopology, named, { keep: featureLayer ? [featureLayer] : [] });
  return { topology: folded.topology, weights: folded.weights, featureLayer: featureLayer && (folded.renamed.get(featureLayer) ?? featureLayer) };
}

function functionalGraphs(node: unknown, found: Array<{ layers: KerasLayer[]; output_layers?: unknown }> = []) {
  if (Array.isArray(node)) for (const item of node) functionalGraphs(item, found);
  else if (node && typeof node === 'object') {
    const config = (node as { config?: { layers?: KerasLayer[] } }).config;
    if (Array.isArray(config?.layers) && config.layers.some((l) => Array.isArray(l.inbound_nodes))) {
      found.push(config as { layers: KerasLayer[] });
    }
    for (const value of Object.values(node)) functionalGraphs(value, found);
  }
  return found;
}

function layerName(layer: KerasLayer): string {
  return (layer.name ?? layer.config.name)!;
}

/** The names of the layers feeding `layer` ([name, nodeIndex, tensorIndex, kwargs] entries). */
function inputsOf(layer: KerasLayer): string[] {
  return (layer.inbound_nodes ?? []).flatMap((node) => (Array.isArray(node) ? node : []).map((entry) => (entry as unknown[])[0] as string));
}

function foldGraph(graph: { layers: KerasLayer[]; output_layers?: unknown }, weights: Map<string, NamedWeight>, renamed: Map<string, string>, keep: Set<string>) {
  const byName = new Map(graph.layers.map((l) => [layerName(l), l]));
  const consumers = new Map<string, number>();
  for (const layer of graph.layers) for (const input of inputsOf(layer)) consumers.set(input, (consumers.get(input) ?? 0) + 1);
  for (const output of JSON.stringify(graph.output_layers ?? []).match(/"[^"]+"/g) ?? []) {
    const name = output.slice(1, -1);
    consumers.set(name, (consumers.get(name) ?? 0) + 1);
  }

  const folded = new Set<string>();
  for (const bn of graph.layers) {
    if (bn.class_name !== 'BatchNormalization') continue;
    const inputs = inputsOf(bn);
    const conv = byName.get(inputs[0] ?? '');
    if (inputs.length !== 1 || !conv || !CONVOLUTIONS.has(conv.class_name) || consumers.get(layerName(conv)) !== 1) continue;
    // Batch norm after an activation is not a linear map of the kernel; a kept layer's output must stay as it is.
    if ((conv.config.activation ?? 'linear') !== 'linear' || keep.has(layerName(conv))) continue;
    if (conv.config.data_format && conv.config.data_format !== 'channels_last') continue;
    if (![-1, 3].includes(bn.config.axis as number)) continue;
    if (foldPair(conv, bn, weights)) {
      folded.add(layerName(bn));
      renamed.set(layerName(bn), layerName(conv));
    }
  }
  if (folded.size === 0) return;
  graph.layers = graph.layers.filter((l) => !folded.has(layerName(l)));
  // Whatever read a folded BN now reads its convolution.
  const rewire = (node: unknown): unknown => {
    if (typeof node === 'string') return renamed.get(node) ?? node;
    if (Array.isArray(node)) return node.map(rewire);
    return node;
  };
  for (const layer of graph.layers) layer.inbound_nodes = rewire(layer.inbound_nodes) as unknown[];
  graph.output_layers = rewire(graph.output_layers);
}

function foldPair(conv: KerasLayer, bn: KerasLayer, weights: Map<string, NamedWeight>): boolean {
  const convName = layerName(conv);
  const bnName = layerName(bn);
  const depthwise = conv.class_name === 'DepthwiseConv2D';
  const kernelName = `${convName}/${depthwise ? 'depthwise_kernel' : 'kernel'}`;
  const kernel = weights.get(kernelName);
  const mean = weights.get(`${bnName}/moving_mean`);
  const variance = weights.get(`${bnName}/moving_variance`);
  if (!kernel || !mean || !variance) return false;
  const channels = mean.data.length;
  const gamma = bn.config.scale === false ? undefined : weights.get(`${bnName}/gamma`);
  const beta = bn.config.center === false ? undefined : weights.get(`${bnName}/beta`);
  if ((bn.config.scale !== false && !gamma) || (bn.config.center !== false && !beta)) return false;
  const epsilon = (bn.config.epsilon as number | undefined) ?? 1e-3;
  const oldBias = conv.config.use_bias ? weights.get(`${convName}/bias`) : undefined;
  if (conv.config.use_bias && !oldBias) return false;

  const scale = new Float64Array(channels);
  for (let c = 0; c < channels; c++) scale[c] = (gamma ? gamma.data[c]! : 1) / Math.sqrt(variance.data[c]! + epsilon);

  // Conv2D kernel [kh, kw, in, out]: the output channel is the last index. Depthwise [kh, kw, in, mult]:
  // output channel = in * mult + m, which is also the flat index modulo in*mult.
  const lastDims = depthwise ? kernel.shape[2]! * kernel.shape[3]! : kernel.shape[3]!;
  if (lastDims !== channels) return false;
  const newKernel = new Float32Array(kernel.data.length);
  for (let i = 0; i < newKernel.length; i++) newKernel[i] = kernel.data[i]! * scale[i % channels]!;
  const bias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    bias[c] = ((oldBias ? oldBias.data[c]! : 0) - mean.data[c]!) * scale[c]! + (beta ? beta.data[c]! : 0);
  }

  weights.set(kernelName, { shape: kernel.shape, data: newKernel });
  weights.set(`${convName}/bias`, { shape: [channels], data: bias });
  for (const param of ['gamma', 'beta', 'moving_mean', 'moving_variance']) weights.delete(`${bnName}/${param}`);
  conv.config.use_bias = true;
  conv.config.bias_initializer ??= { class_name: 'Zeros', config: {} };
  return true;
}
