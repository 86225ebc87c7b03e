/**
 * Converts a Keras layers model (the topology JSON of a TF.js layers model, plus its named weights) into an
 * ONNX inference graph that maps RGB bytes to feature vectors: the same cut at the feature layer and the
 * same pooling as the TF.js feature extractor, so both engines compute the same bottlenecks (to float
 * rounding). A pure transform: no file system, no runtime.
 *
 * Keras works channels-last (NHWC); ONNX convolutions work channels-first (NCHW). The graph transposes the
 * input once, keeps every 4-d tensor NCHW, and maps channel axes and kernel layouts as it goes.
 */
import type { NamedWeight } from '../model/fold-batch-norm.js';
import { DataType, type AttributeValue, type OnnxGraph, type OnnxNode, type OnnxTensor } from './onnx-model.js';

export class OnnxConversionError extends Error {
  override name = 'OnnxConversionError';
}

export interface ConversionOptions {
  /** Cut the model at this top-level layer's output (default: the model's output). */
  featureLayer?: string;
  /** Global average pooling of a spatial feature output (default `avg` when it is spatial). */
  pooling?: 'avg' | 'none';
  inputSize: [number, number];
  /** The pixel value range the network expects; the graph scales bytes 0..255 to it. */
  range: [number, number];
}

export const INPUT_NAME = 'pixels';
export const OUTPUT_NAME = 'features';

interface KerasLayer {
  class_name: string;
  name?: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown[];
}

/** A tensor of the graph being built; 4-d tensors are NCHW. */
interface Value {
  name: string;
  rank: number;
}

const MODEL_CLASSES = new Set(['Model', 'Functional', 'Sequential']);
/** Layers that do nothing at inference. */
const IDENTITY_LAYERS = new Set(['InputLayer', 'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization']);

/**
 * The ONNX graph of `topology` (model.json's modelTopology) cut and pooled as `options` say. Input
 * `pixels`: uint8 [batch, height, width, 3]; output `features`: float32 [batch, size].
 */
export function kerasToOnnx(topology: unknown, weights: Map<string, NamedWeight>, options: ConversionOptions): OnnxGraph {
  const root = rootModel(topology);
  const builder = new GraphBuilder(weights);
  const [height, width] = options.inputSize;
  const [lo, hi] = options.range;

  let x = builder.node('Cast', [INPUT_NAME], { to: DataType.FLOAT }, 'input_float');
  x = builder.node('Mul', [x, builder.scalar('input_scale', (hi - lo) / 255)], {}, 'input_scaled');
  x = builder.node('Add', [x, builder.scalar('input_offset', lo)], {}, 'input_shifted');
  const input: Value = { name: builder.node('Transpose', [x], { perm: [0, 3, 1, 2] }, 'input_nchw'), rank: 4 };

  if (options.featureLayer && !topLayers(root).some((l) => layerName(l) === options.featureLayer)) {
    throw new OnnxConversionError(`no top-level layer named "${options.featureLayer}"`);
  }
  let features = builder.model(root, input, options.featureLayer);
  const pooling = options.pooling ?? (features.rank === 4 ? 'avg' : 'none');
  if (features.rank === 4 && pooling === 'avg') {
    features = { name: builder.node('Flatten', [builder.node('GlobalAveragePool', [features.name], {}, 'feature_pool')], { axis: 1 }, 'feature_flat'), rank: 2 };
  }
  if (features.rank !== 2) throw new OnnxConversionError(`the feature output has rank ${features.rank}, expected a vector per image`);
  builder.nodes.push({ op: 'Identity', inputs: [features.name], outputs: [OUTPUT_NAME], name: OUTPUT_NAME });

  return {
    name: 'retrain_features',
    nodes: builder.nodes,
    initializers: builder.initializers,
    inputs: [{ name: INPUT_NAME, dataType: DataType.UINT8, shape: ['batch', height, width, 3] }],
    outputs: [{ name: OUTPUT_NAME, dataType: DataType.FLOAT, shape: ['batch', 'features'] }],
  };
}

/** The model config inside model.json's modelTopology (Keras puts it under model_config, or at the top). */
function rootModel(topology: unknown): KerasLayer {
  const t = topology as { model_config?: KerasLayer } & Partial<KerasLayer>;
  const root = t.model_config ?? (t as KerasLayer);
  if (!root || !MODEL_CLASSES.has(root.class_name)) throw new OnnxConversionError(`not a Keras model topology (class "${root?.class_name}")`);
  return root;
}

function layerName(layer: KerasLayer): string {
  return (layer.name ?? (layer.config.name as string | undefined))!;
}

/** A model's layers: `config.layers`, or `config` itself for old Sequential configs. */
function topLayers(model: KerasLayer): KerasLayer[] {
  const config = model.config as { layers?: KerasLayer[] } | KerasLayer[];
  return Array.isArray(config) ? config : (config.layers ?? []);
}

class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly used = new Set<string>([INPUT_NAME, OUTPUT_NAME]);

  constructor(private readonly weights: Map<string, NamedWeight>) {}

  /** A fresh tensor name based on `hint`. */
  private fresh(hint: string): string {
    let name = hint;
    for (let i = 1; this.used.has(name); i++) name = `${hint}_${i}`;
    this.used.add(name);
    return name;
  }

  node(op: string, inputs: string[], attributes: Record<string, AttributeValue>, hint: string): string {
    const output = this.fresh(hint);
    this.nodes.push({ op, inputs, outputs: [output], name: output, attributes });
    return output;
  }

  constant(hint: string, dims: number[], data: Float32Array | BigInt64Array): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims, dataType: data instanceof Float32Array ? DataType.FLOAT : DataType.INT64, data });
    return name;
  }

  scalar(hint: string, value: number): string {
    return this.constant(hint, [], Float32Array.of(value));
  }

  weight(layer: string, param: string): NamedWeight {
    const weight = this.weights.get(`${layer}/${param}`);
    if (!weight) throw new OnnxConversionError(`layer "${layer}": weight "${layer}/${param}" is missing`);
    return weight;
  }

  optionalWeight(layer: string, param: string): NamedWeight | undefined {
    return this.weights.get(`${layer}/${param}`);
  }

  /** Applies a (nested) model to `input`; stops at layer `stopAt` when given. */
  model(model: KerasLayer, input: Value, stopAt?: string): Value {
    const layers = topLayers(model);
    if (model.class_name === 'Sequential') {
      let x = input;
      for (const layer of layers) {
        x = this.layer(layer, [x]);
        if (layerName(layer) === stopAt) return x;
      }
      return x;
    }
    // Functional: convert lazily from the wanted output back to the inputs, so layers past the cut (which
    // may have no conversion) are never touched.
    const byName = new Map(layers.map((l) => [layerName(l), l]));
    const inputNames = ((model.config.input_layers as unknown[][] | undefined) ?? []).map((entry) => entry[0] as string);
    if (inputNames.length !== 1) throw new OnnxConversionError(`model "${layerName(model)}" has ${inputNames.length} inputs; one image input is supported`);
    const values = new Map<string, Value>([[inputNames[0]!, input]]);
    const valueOf = (name: string): Value => {
      const known = values.get(name);
      if (known) return known;
      const layer = byName.get(name);
      if (!layer) throw new OnnxConversionError(`model "${layerName(model)}": unknown layer "${name}"`);
      const value = this.layer(layer, inboundNames(layer).map(valueOf));
      values.set(name, value);
      return value;
    };
    const outputs = (model.config.output_layers as unknown[][] | undefined) ?? [];
    const target = stopAt ?? (outputs[0]?.[0] as string | undefined);
    if (!target) throw new OnnxConversionError(`model "${layerName(model)}" has no output layer`);
    return valueOf(target);
  }

  layer(layer: KerasLayer, inputs: Value[]): Value {
    const name = layerName(layer);
    const config = layer.config;
    const fail = (why: string) => new OnnxConversionError(`layer "${name}" (${layer.class_name}): ${why}`);
    if (config.data_format && config.data_format !== 'channels_last') throw fail(`data_format "${config.data_format}" is not supported`);
    const x = inputs[0]!;
    const same = (output: string): Value => ({ name: output, rank: x.rank });
    const spatial = () => {
      if (x.rank !== 4) throw fail(`expects an image-shaped (4-d) input, got rank ${x.rank}`);
    };

    if (MODEL_CLASSES.has(layer.class_name)) return this.model(layer, x);
    if (IDENTITY_LAYERS.has(layer.class_name)) return x;
    switch (layer.class_name) {
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        spatial();
        const depthwise = layer.class_name === 'DepthwiseConv2D';
        if (((config.groups as number | undefined) ?? 1) !== 1) throw fail('grouped convolutions are not supported');
        const kernel = this.weight(name, depthwise ? 'depthwise_kernel' : 'kernel');
        const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
        const onnxKernel = depthwise ? depthwiseKernel(kernel.data, kh, kw, cin, cout) : convKernel(kernel.data, kh, kw, cin, cout);
        const outChannels = depthwise ? cin * cout : cout;
        const w = this.constant(`${name}_W`, depthwise ? [outChannels, 1, kh, kw] : [cout, cin, kh, kw], onnxKernel);
        const bias = config.use_bias !== false ? this.weight(name, 'bias') : undefined;
        const convInputs = bias ? [x.name, w, this.constant(`${name}_B`, [outChannels], bias.data)] : [x.name, w];
        const strides = pair(config.strides, 1);
        const dilations = pair(config.dilation_rate, 1);
        const output = this.node('Conv', convInputs, {
          kernel_shape: [kh, kw],
          strides,
          dilations,
          group: depthwise ? cin : 1,
          ...convPadding(config.padding, [kh, kw], strides, dilations, fail),
        }, name);
        return this.activation(same(output), config.activation, name, fail);
      }
      case 'Dense': {
        if (x.rank !== 2) throw fail(`expects a vector input, got rank ${x.rank}`);
        const kernel = this.weight(name, 'kernel');
        let output = this.node('MatMul', [x.name, this.constant(`${name}_W`, kernel.shape, kernel.data)], {}, `${name}_matmul`);
        if (config.use_bias !== false) {
          const bias = this.weight(name, 'bias');
          output = this.node('Add', [output, this.constant(`${name}_B`, bias.shape, bias.data)], {}, name);
        }
        return this.activation(same(output), config.activation, name, fail);
      }
      case 'BatchNormalization': {
        if (![-1, x.rank - 1].includes(config.axis as number)) throw fail(`axis ${config.axis} is not the channel axis`);
        const mean = this.weight(name, 'moving_mean');
        const variance = this.weight(name, 'moving_variance');
        const channels = mean.data.length;
        const gamma = config.scale === false ? new Float32Array(channels).fill(1) : this.weight(name, 'gamma').data;
        const beta = config.center === false ? new Float32Array(channels) : this.weight(name, 'beta').data;
        const params = [gamma, beta, mean.data, variance.data].map((data, i) => this.constant(`${name}_${['scale', 'B', 'mean', 'var'][i]}`, [channels], data));
        return same(this.node('BatchNormalization', [x.name, ...params], { epsilon: { f: (config.epsilon as number | undefined) ?? 1e-3 } }, name));
      }
      case 'ReLU': {
        const max = config.max_value as number | null | undefined;
        const slope = (config.negative_slope as number | undefined) ?? 0;
        if (((config.threshold as number | undefined) ?? 0) !== 0) throw fail('a non-zero threshold is not supported');
        if (slope !== 0) {
          if (max != null) throw fail('negative_slope with max_value is not supported');
          return same(this.node('LeakyRelu', [x.name], { alpha: { f: slope } }, name));
        }
        return same(max == null ? this.node('Relu', [x.name], {}, name) : this.clip(x.name, 0, max, name));
      }
      case 'LeakyReLU':
        return same(this.node('LeakyRelu', [x.name], { alpha: { f: (config.alpha as number | undefined) ?? 0.3 } }, name));
      case 'Activation':
        return this.activation(x, config.activation, name, fail);
      case 'Softmax':
        return same(this.node('Softmax', [x.name], { axis: channelAxis(config.axis as number | undefined, x.rank, fail) }, name));
      case 'ZeroPadding2D': {
        spatial();
        const [[top, bottom], [left, right]] = padding2d(config.padding, fail);
        const pads = this.constant(`${name}_pads`, [8], BigInt64Array.from([0, 0, top, left, 0, 0, bottom, right].map(BigInt)));
        return same(this.node('Pad', [x.name, pads], { mode: 'constant' }, name));
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        spatial();
        const size = pair(config.pool_size, 2);
        return same(
          this.node(layer.class_name === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [x.name], {
            kernel_shape: size,
            strides: config.strides == null ? size : pair(config.strides, 1),
            auto_pad: autoPad(config.padding, fail),
          }, name),
        );
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D': {
        spatial();
        const pooled = this.node(layer.class_name === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool', [x.name], {}, `${name}_pool`);
        return config.keepdims ? { name: pooled, rank: 4 } : { name: this.node('Flatten', [pooled], { axis: 1 }, name), rank: 2 };
      }
      case 'Flatten': {
        if (x.rank === 2) return x;
        // Keras flattens NHWC in (h, w, c) order: go back to channels-last first.
        const nhwc = this.node('Transpose', [x.name], { perm: [0, 2, 3, 1] }, `${name}_nhwc`);
        return { name: this.node('Flatten', [nhwc], { axis: 1 }, name), rank: 2 };
      }
      case 'Rescaling': {
        if (typeof config.scale !== 'number' || !['number', 'undefined'].includes(typeof config.offset)) throw fail('only a single scale and offset are supported');
        const scaled = this.node('Mul', [x.name, this.scalar(`${name}_scale`, config.scale as number)], {}, `${name}_scaled`);
        return same(this.node('Add', [scaled, this.scalar(`${name}_offset`, (config.offset as number | undefined) ?? 0)], {}, name));
      }
      case 'Add':
      case 'Multiply':
      case 'Maximum':
      case 'Minimum':
      case 'Average': {
        if (inputs.some((i) => i.rank !== x.rank)) throw fail('inputs of different ranks');
        const op = { Add: inputs.length === 2 ? 'Add' : 'Sum', Multiply: 'Mul', Maximum: 'Max', Minimum: 'Min', Average: 'Mean' }[layer.class_name]!;
        if (op === 'Mul') return same(inputs.slice(1).reduce((acc, v, i) => this.node('Mul', [acc, v.name], {}, i === inputs.length - 2 ? name : `${name}_${i}`), x.name));
        return same(this.node(op, inputs.map((i) => i.name), {}, name));
      }
      case 'Subtract':
        return same(this.node('Sub', [x.name, inputs[1]!.name], {}, name));
      case 'Concatenate':
        if (inputs.some((i) => i.rank !== x.rank)) throw fail('inputs of different ranks');
        return same(this.node('Concat', inputs.map((i) => i.name), { axis: channelAxis(config.axis as number | undefined, x.rank, fail) }, name));
      default:
        throw fail('no ONNX conversion for this layer type');
    }
  }

  private clip(input: string, min: number, max: number, name: string): string {
    return this.node('Clip', [input, this.scalar(`${name}_min`, min), this.scalar(`${name}_max`, max)], {}, name);
  }

  /** A Keras `activation` setting applied to `x`. */
  private activation(x: Value, activation: unknown, name: string, fail: (why: string) => Error): Value {
    const a = (activation ?? 'linear') as string;
    const out = (output: string): Value => ({ name: output, rank: x.rank });
    const act = `${name}_${a}`;
    switch (a) {
      case 'linear':
        return x;
      case 'relu':
        return out(this.node('Relu', [x.name], {}, act));
      case 'relu6':
        return out(this.clip(x.name, 0, 6, act));
      case 'sigmoid':
        return out(this.node('Sigmoid', [x.name], {}, act));
      case 'tanh':
        return out(this.node('Tanh', [x.name], {}, act));
      case 'elu':
        return out(this.node('Elu', [x.name], {}, act));
      case 'selu':
        return out(this.node('Selu', [x.name], {}, act));
      case 'softplus':
        return out(this.node('Softplus', [x.name], {}, act));
      case 'softsign':
        return out(this.node('Softsign', [x.name], {}, act));
      case 'hard_sigmoid':
        return out(this.node('HardSigmoid', [x.name], { alpha: { f: 0.2 }, beta: { f: 0.5 } }, act));
      case 'swish':
      case 'silu':
        return out(this.node('Mul', [x.name, this.node('Sigmoid', [x.name], {}, `${act}_sigmoid`)], {}, act));
      case 'softmax':
        return out(this.node('Softmax', [x.name], { axis: x.rank === 4 ? 1 : -1 }, act));
      default:
        throw fail(`activation "${a}" has no ONNX conversion`);
    }
  }
}

/** The layers feeding a functional layer (one call of the layer only). */
function inboundNames(layer: KerasLayer): string[] {
  const nodes = layer.inbound_nodes ?? [];
  if (nodes.length > 1) throw new OnnxConversionError(`layer "${layerName(layer)}" is called ${nodes.length} times; shared layers are not supported`);
  const entries = (nodes[0] ?? []) as unknown[];
  // Keras 2 writes [[name, nodeIndex, tensorIndex, kwargs], ...]; Keras 3 writes {args: [...]} (not supported).
  if (!Array.isArray(entries)) throw new OnnxConversionError(`layer "${layerName(layer)}": unrecognised inbound_nodes format`);
  return entries.map((entry) => {
    const [name, nodeIndex, tensorIndex] = entry as [string, number, number];
    if (nodeIndex !== 0 || tensorIndex !== 0) throw new OnnxConversionError(`layer "${layerName(layer)}" reads a shared layer's output`);
    return name;
  });
}

function pair(value: unknown, fallback: number): [number, number] {
  if (value == null) return [fallback, fallback];
  if (typeof value === 'number') return [value, value];
  return [(value as number[])[0]!, (value as number[])[1]!];
}

function autoPad(padding: unknown, fail: (why: string) => Error): string {
  // TensorFlow's "same" puts the odd extra pixel at the end, which is ONNX's SAME_UPPER.
  if (padding === 'same') return 'SAME_UPPER';
  if (padding === 'valid' || padding == null) return 'VALID';
  throw fail(`padding "${String(padding)}" is not supported`);
}

/**
 * Padding of a convolution. With stride 1, TensorFlow's "same" padding does not depend on the input size,
 * so it is written out (onnxruntime has no SAME auto-padding for dilated convolutions); strided ones use
 * SAME_UPPER (Keras allows no dilation with strides).
 */
function convPadding(padding: unknown, kernel: [number, number], strides: [number, number], dilations: [number, number], fail: (why: string) => Error): Record<string, AttributeValue> {
  if (padding !== 'same' || strides[0] !== 1 || strides[1] !== 1) return { auto_pad: autoPad(padding, fail) };
  const total = kernel.map((k, i) => (k - 1) * dilations[i]!);
  const begin = total.map((t) => Math.floor(t / 2));
  return { pads: [...begin, ...total.map((t, i) => t - begin[i]!)] };
}

function padding2d(padding: unknown, fail: (why: string) => Error): [[number, number], [number, number]] {
  if (typeof padding === 'number') return [[padding, padding], [padding, padding]];
  if (Array.isArray(padding) && padding.length === 2) {
    const [h, w] = padding as Array<number | number[]>;
    const side = (p: number | number[]): [number, number] => (typeof p === 'number' ? [p, p] : [p[0]!, p[1]!]);
    return [side(h!), side(w!)];
  }
  throw fail('unrecognised padding');
}

/** A Keras (channels-last) axis as an axis of the NCHW graph. */
function channelAxis(axis: number | undefined, rank: number, fail: (why: string) => Error): number {
  const a = axis ?? -1;
  const positive = a < 0 ? rank + a : a;
  if (rank !== 4) return positive;
  // NHWC axis → NCHW axis: c (3) → 1, h (1) → 2, w (2) → 3.
  const mapped = [0, 2, 3, 1][positive];
  if (mapped === undefined) throw fail(`axis ${a} is out of range`);
  return mapped;
}

/** Conv2D kernel [kh, kw, in, out] → ONNX [out, in, kh, kw]. */
function convKernel(data: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let c = 0; c < cin; c++)
        for (let o = 0; o < cout; o++) out[((o * cin + c) * kh + y) * kw + x] = data[((y * kw + x) * cin + c) * cout + o]!;
  return out;
}

/** DepthwiseConv2D kernel [kh, kw, in, multiplier] → ONNX grouped-conv weights [in * multiplier, 1, kh, kw]. */
function depthwiseKernel(data: Float32Array, kh: number, kw: number, cin: number, mult: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let c = 0; c < cin; c++)
        for (let m = 0; m < mult; m++) out[((c * mult + m) * kh + y) * kw + x] = data[((y * kw + x) * cin + c) * mult + m]!;
  return out;
}
