/**
 * What the tool reads from an ONNX graph without running it: its image input, the names of its tensors,
 * the features feeding a classifier's last layer, and where an 8-bit tensor's scale and zero point are.
 * Pure functions of the decoded graph.
 */
import type { GraphProto, NodeProto, ValueInfoProto } from './onnx-proto.js';

export interface GraphInput {
  name: string;
  elemType: number;
  /** A number is a fixed size, a string a symbolic one, undefined an unknown one. */
  dims: Array<number | string | undefined>;
}

/** The graph's real inputs (not initializers listed as inputs, as older exporters do). */
export function graphInputs(graph: GraphProto): GraphInput[] {
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  return (graph.input ?? []).filter((i) => !initializers.has(i.name)).map(describeInput);
}

function describeInput(info: ValueInfoProto): GraphInput {
  const tensor = info.type?.tensorType;
  const dims = (tensor?.shape?.dim ?? []).map((d) => (d.dimValue != null && Number(d.dimValue) > 0 ? Number(d.dimValue) : (d.dimParam ?? undefined) || undefined));
  return { name: info.name ?? '', elemType: tensor?.elemType ?? 0, dims };
}

/** Every tensor a node of the main graph computes, in graph order. */
export function tensorNames(graph: GraphProto): string[] {
  return (graph.node ?? []).flatMap((n) => (n.output ?? []).filter(Boolean));
}

/** Up to `count` of `names` closest to `name` (edit distance), best first. */
export function closestNames(name: string, names: string[], count = 3): string[] {
  return names
    .map((candidate) => ({ candidate, distance: editDistance(name.toLowerCase(), candidate.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, count)
    .map((c) => c.candidate);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

/** Ops a classifier's output passes through after its last layer (data is their first input). */
const AFTER_CLASSIFIER = new Set(['Softmax', 'LogSoftmax', 'Sigmoid', 'DequantizeLinear', 'QuantizeLinear', 'Identity', 'Flatten', 'Reshape', 'Squeeze', 'Dropout', 'Cast']);
/** Fully connected (or 1×1 convolution) layers: the classification layer; its first input is the features. */
const CLASSIFIER_LAYERS = new Set(['Gemm', 'MatMul', 'QLinearMatMul', 'MatMulInteger', 'Conv', 'QLinearConv']);
const BIAS_ADDS = new Set(['Add', 'QLinearAdd']);

/**
 * When the graph is a classifier (its output comes from a fully connected layer, through bias, softmax,
 * reshapes or dequantization), the tensor feeding that layer: the pooled features. Otherwise undefined.
 */
export function classifierFeatures(graph: GraphProto): string | undefined {
  const producers = producerMap(graph);
  const constants = new Set((graph.initializer ?? []).map((t) => t.name));
  for (const n of graph.node ?? []) if (n.opType === 'Constant') for (const o of n.output ?? []) constants.add(o);
  let tensor = graph.output?.[0]?.name ?? undefined;
  for (let steps = 0; tensor && steps < 20; steps++) {
    const producer = producers.get(tensor);
    if (!producer) return undefined;
    const op = producer.opType ?? '';
    const inputs = producer.input ?? [];
    if (CLASSIFIER_LAYERS.has(op)) return inputs[0] ?? undefined;
    if (AFTER_CLASSIFIER.has(op)) tensor = inputs[0];
    else if (BIAS_ADDS.has(op)) {
      // Add(x, bias) or QLinearAdd(x, s, z, bias, s, z, …): follow the input that is not a constant.
      const operands = op === 'Add' ? [inputs[0], inputs[1]] : [inputs[0], inputs[3]];
      const data = operands.filter((t) => t && !constants.has(t));
      if (data.length !== 1) return undefined;
      tensor = data[0];
    } else return undefined;
  }
  return undefined;
}

/**
 * Where each quantized input and output of the QLinear ops keeps its scale and zero point, as input indexes:
 * `in`: [tensor input, scale input, zero point input] triples; `out`: [scale input, zero point input].
 */
const QUANT_SLOTS: Record<string, { in: Array<[number, number, number]>; out?: [number, number] }> = {
  QuantizeLinear: { in: [], out: [1, 2] },
  DequantizeLinear: { in: [[0, 1, 2]] },
  QLinearConv: { in: [[0, 1, 2], [3, 4, 5]], out: [6, 7] },
  QLinearMatMul: { in: [[0, 1, 2], [3, 4, 5]], out: [6, 7] },
  QLinearAdd: { in: [[0, 1, 2], [3, 4, 5]], out: [6, 7] },
  QLinearMul: { in: [[0, 1, 2], [3, 4, 5]], out: [6, 7] },
  QLinearGlobalAveragePool: { in: [[0, 1, 2]], out: [3, 4] },
  QLinearAveragePool: { in: [[0, 1, 2]], out: [3, 4] },
  QLinearSigmoid: { in: [[0, 1, 2]], out: [3, 4] },
  QLinearLeakyRelu: { in: [[0, 1, 2]], out: [3, 4] },
  QLinearConcat: { in: [], out: [0, 1] },
};
/** Ops that move 8-bit values without changing them: their output has their input's scale. */
const SAME_QUANTIZATION = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose', 'Identity', 'MaxPool']);

/** The scale and zero point tensors of an 8-bit tensor: from an op that reads it, or the op that made it. */
export function quantizationOf(graph: GraphProto, tensor: string): { scale: string; zeroPoint: string } | undefined {
  const producers = producerMap(graph);
  const seen = new Set<string>();
  let current: string | undefined = tensor;
  while (current && !seen.has(current)) {
    seen.add(current);
    for (const n of graph.node ?? []) {
      const slots = QUANT_SLOTS[n.opType ?? ''];
      for (const [data, scale, zeroPoint] of slots?.in ?? []) {
        if (n.input?.[data] === current && n.input[scale] && n.input[zeroPoint]) return { scale: n.input[scale]!, zeroPoint: n.input[zeroPoint]! };
      }
    }
    const producer = producers.get(current);
    const out = producer && QUANT_SLOTS[producer.opType ?? '']?.out;
    if (producer && out && producer.input?.[out[0]] && producer.input[out[1]]) return { scale: producer.input[out[0]]!, zeroPoint: producer.input[out[1]]! };
    current = producer && SAME_QUANTIZATION.has(producer.opType ?? '') ? (producer.input?.[0] ?? undefined) : undefined;
  }
  return undefined;
}

export function producerMap(graph: GraphProto): Map<string, NodeProto> {
  const producers = new Map<string, NodeProto>();
  for (const n of graph.node ?? []) for (const o of n.output ?? []) if (o) producers.set(o, n);
  return producers;
}
