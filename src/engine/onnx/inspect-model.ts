/**
 * `retrain models inspect`: the tensors of an ONNX model that can serve as the feature vector, with their
 * type and shape for one image, and which one the tool takes by default.
 */
import { ModelError, type ResolvedModel } from '../model/resolve-model.js';
import { classifierFeatures, graphInputs } from './graph-facts.js';
import { requireOnnxRuntime } from './onnx-runtime.js';
import { planCut, readOnnxSource } from './onnx-source.js';
import { featureCandidates, probeTensors, type TensorFacts } from './probe-tensors.js';

export interface Inspection {
  input: { name: string; layout: 'nchw' | 'nhwc'; size: [number, number] };
  outputs: string[];
  /** The tensor used when modelOptions.featureLayer is not set. */
  defaultFeature: string;
  /** Whether that default is the input of the classifier's last layer (else the graph's output). */
  classifier: boolean;
  candidates: TensorFacts[];
}

export async function inspectOnnxModel(resolved: ResolvedModel): Promise<Inspection> {
  if (resolved.format !== 'onnx') throw new ModelError(`model "${resolved.source}": inspect lists the tensors of ONNX models; this is a TF.js model`);
  const { model } = await readOnnxSource(resolved);
  const plan = planCut({ ...resolved, options: { range: [0, 1], ...resolved.options, featureLayer: undefined } }, model);
  const ort = await requireOnnxRuntime();
  const facts = await probeTensors(ort, model, plan.input, plan.layout, plan.inputSize).catch((error: Error) => {
    throw new ModelError(`model "${resolved.source}": onnxruntime refuses the graph (${error.message.split('\n')[0]})`);
  });
  const graph = model.graph!;
  return {
    input: { name: graphInputs(graph)[0]!.name, layout: plan.layout, size: plan.inputSize },
    outputs: (graph.output ?? []).map((o) => o.name ?? ''),
    defaultFeature: plan.tensor,
    classifier: classifierFeatures(graph) !== undefined,
    candidates: featureCandidates(facts),
  };
}
