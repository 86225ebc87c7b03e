/**
 * The portable classifier: a feature graph (RGB pixels in, features out) with the trained head appended,
 * ending in a softmax under the output name. A pure transform of the decoded graph.
 */
import type { SoftmaxHead } from '../../core/softmax-head.js';
import { OUTPUT_NAME } from './keras-to-onnx.js';
import { decodeModel, encodeModel, ElemType, floatTensor, intAttribute, node, onnx, valueInfo, type NodeProto, type TensorProto } from './onnx-proto.js';

export function classifierGraph(featureGraph: Uint8Array, head: SoftmaxHead, outputName: string): Uint8Array {
  const model = decodeModel(featureGraph);
  const graph = model.graph!;
  const taken = new Set([...(graph.node ?? []).flatMap((n) => n.output ?? []), ...(graph.initializer ?? []).map((t) => t.name)]);
  if (taken.has(outputName)) throw new Error(`output name "${outputName}" is already a tensor of the backbone graph; choose another final tensor name`);
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  let x = OUTPUT_NAME;
  // Gemm with transB: the head's weights are output-major [units][inputs], as Gemm's B transposed.
  const dense = (name: string, units: number, inputs: number, weights: Float32Array, biases: Float32Array) => {
    initializers.push(floatTensor(`${name}_weights`, [units, inputs], weights), floatTensor(`${name}_biases`, [units], biases));
    nodes.push(node('Gemm', [x, `${name}_weights`, `${name}_biases`], [`${name}_logits`], [intAttribute('transB', 1)]));
    x = `${name}_logits`;
  };
  if (head.hidden) {
    dense('retrain_hidden', head.hidden.units, head.featureSize, head.hidden.weights, head.hidden.biases);
    nodes.push(node('Relu', [x], ['retrain_hidden_relu']));
    x = 'retrain_hidden_relu';
  }
  dense('retrained', head.numClasses, head.hidden?.units ?? head.featureSize, head.weights, head.biases);
  nodes.push(node('Softmax', [x], [outputName], [intAttribute('axis', 1)]));
  return encodeModel(
    onnx.ModelProto.create({
      ...model,
      producerName: 'retrain',
      graph: {
        ...graph,
        name: 'retrained',
        node: [...(graph.node ?? []), ...nodes],
        initializer: [...(graph.initializer ?? []), ...initializers],
        output: [valueInfo(outputName, ElemType.FLOAT, ['batch', head.numClasses])],
      },
    }),
  );
}
