/**
 * Graph surgery on a decoded ONNX model (pure functions): the feature graph made from any tensor of a
 * source graph (preprocessing in front, the tensor dequantized and pooled at the end, everything that only
 * feeds later nodes dropped), and a copy with extra graph outputs for looking at inner tensors.
 */
import { INPUT_NAME, OUTPUT_NAME } from './keras-to-onnx.js';
import { ElemType, floatTensor, intAttribute, intsAttribute, node, onnx, valueInfo, type GraphProto, type ModelProto, type NodeProto } from './onnx-proto.js';

export interface FeatureCut {
  /** The source graph's image input, its layout and fixed size. */
  inputName: string;
  layout: 'nchw' | 'nhwc';
  inputSize: [number, number];
  /** Per RGB channel: network value = pixel (0..255) × scale + offset. */
  scale: [number, number, number];
  offset: [number, number, number];
  /** The tensor cut at, its rank, and its scale / zero point tensors when it holds 8-bit values. */
  tensor: string;
  rank: number;
  quantization?: { scale: string; zeroPoint: string };
  pooling: 'avg' | 'none';
}

const PREFIX = 'retrain_';
const RESERVED = new Set([INPUT_NAME, OUTPUT_NAME]);

/** A source tensor's name in the feature graph: its own, unless the feature graph's contract uses it. */
function ownName(name: string): string {
  return RESERVED.has(name) ? `${PREFIX}source_${name}` : name;
}

/**
 * The feature graph: input `pixels` uint8 [batch, height, width, 3] (RGB, NHWC), output `features` float32
 * [batch, size], the same contract as the Keras conversion, so the workers run either one.
 */
export function featureGraph(source: ModelProto, original: FeatureCut): ModelProto {
  const graph = source.graph!;
  const [height, width] = original.inputSize;
  // The contract's own names may be tensors of the source graph (an input named `pixels`, an output named
  // `features`): those are renamed inside the feature graph, so the two never meet.
  const cut: FeatureCut = {
    ...original,
    inputName: ownName(original.inputName),
    tensor: ownName(original.tensor),
    quantization: original.quantization && { scale: ownName(original.quantization.scale), zeroPoint: ownName(original.quantization.zeroPoint) },
  };
  const head: NodeProto[] = [
    node('Cast', [INPUT_NAME], [`${PREFIX}pixels_float`], [intAttribute('to', ElemType.FLOAT)]),
    node('Mul', [`${PREFIX}pixels_float`, `${PREFIX}scale`], [`${PREFIX}scaled`]),
    cut.layout === 'nchw'
      ? node('Add', [`${PREFIX}scaled`, `${PREFIX}offset`], [`${PREFIX}normalised_nhwc`])
      : node('Add', [`${PREFIX}scaled`, `${PREFIX}offset`], [cut.inputName]),
  ];
  if (cut.layout === 'nchw') head.push(node('Transpose', [`${PREFIX}normalised_nhwc`], [cut.inputName], [intsAttribute('perm', [0, 3, 1, 2])]));

  const tail: NodeProto[] = [];
  let x = cut.tensor;
  const step = (op: string, attributes = [] as NodeProto['attribute'], extra: string[] = []) => {
    const out = `${PREFIX}${op.toLowerCase()}_${tail.length}`;
    tail.push(node(op, [x, ...extra], [out], attributes ?? []));
    x = out;
  };
  if (cut.quantization) step('DequantizeLinear', [], [cut.quantization.scale, cut.quantization.zeroPoint]);
  if (cut.rank === 4 && cut.pooling === 'avg') {
    if (cut.layout === 'nhwc') step('Transpose', [intsAttribute('perm', [0, 3, 1, 2])]);
    step('GlobalAveragePool');
  }
  if (cut.rank !== 2) step('Flatten', [intAttribute('axis', 1)]);
  tail.push(node('Identity', [x], [OUTPUT_NAME]));

  const kept = neededNodes(graph, [original.tensor, ...(original.quantization ? [original.quantization.scale, original.quantization.zeroPoint] : [])]).map(
    (n): NodeProto => ({ ...n, input: (n.input ?? []).map(ownName), output: (n.output ?? []).map(ownName) }),
  );
  const nodes = [...head, ...kept, ...tail];
  const used = new Set(nodes.flatMap((n) => n.input ?? []));
  const initializers = (graph.initializer ?? [])
    .map((t) => (RESERVED.has(t.name ?? '') ? { ...t, name: ownName(t.name!) } : t))
    .filter((t) => used.has(t.name ?? ''));
  const initializerNames = new Set(initializers.map((t) => t.name));
  return onnx.ModelProto.create({
    ...source,
    producerName: 'retrain',
    graph: {
      name: graph.name || 'retrain_features',
      node: nodes,
      initializer: [
        ...initializers,
        floatTensor(`${PREFIX}scale`, [1, 1, 1, 3], cut.scale),
        floatTensor(`${PREFIX}offset`, [1, 1, 1, 3], cut.offset),
      ],
      input: [valueInfo(INPUT_NAME, ElemType.UINT8, ['batch', height, width, 3])],
      output: [valueInfo(OUTPUT_NAME, ElemType.FLOAT, ['batch', 'features'])],
      valueInfo: (graph.valueInfo ?? [])
        .map((v) => (RESERVED.has(v.name ?? '') ? { ...v, name: ownName(v.name!) } : v))
        .filter((v) => used.has(v.name ?? '') && !initializerNames.has(v.name)),
    },
  });
}

/** The source model with these tensors added as graph outputs (types left to onnxruntime). */
export function withOutputs(source: ModelProto, names: string[]): ModelProto {
  const graph = source.graph!;
  const present = new Set((graph.output ?? []).map((o) => o.name));
  return onnx.ModelProto.create({
    ...source,
    graph: { ...graph, output: [...(graph.output ?? []), ...names.filter((n) => !present.has(n)).map((name) => ({ name }))] },
  });
}

/** The nodes, in graph order, that the `targets` depend on (a node inside a subgraph may read outer names). */
function neededNodes(graph: GraphProto, targets: string[]): NodeProto[] {
  const nodes = graph.node ?? [];
  const needed = new Set(targets);
  const keep = new Array<boolean>(nodes.length).fill(false);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!(n.output ?? []).some((o) => needed.has(o))) continue;
    keep[i] = true;
    for (const input of [...(n.input ?? []), ...subgraphInputs(n)]) if (input) needed.add(input);
  }
  return nodes.filter((_, i) => keep[i]);
}

function subgraphInputs(n: NodeProto): string[] {
  const graphs = (n.attribute ?? []).flatMap((a) => [...(a.g ? [a.g] : []), ...(a.graphs ?? [])]);
  return graphs.flatMap((g) => (g.node ?? []).flatMap((inner) => [...(inner.input ?? []), ...subgraphInputs(inner)]));
}
