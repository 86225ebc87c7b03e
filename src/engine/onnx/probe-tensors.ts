/**
 * Shapes and element types of a graph's inner tensors, by running it once on a blank image with every
 * tensor made a graph output (onnxruntime infers what a file may not declare).
 */
import { withOutputs } from './cut-graph.js';
import { tensorNames, type GraphInput } from './graph-facts.js';
import { encodeModel, type ModelProto } from './onnx-proto.js';
import type { OnnxRuntime } from './onnx-runtime.js';

export interface TensorFacts {
  name: string;
  /** onnxruntime's type name: float32, uint8, int8, int64, … */
  type: string;
  /** For a batch of one image. */
  dims: number[];
}

/** Runs `model` on one blank image of `size` in its input's layout; every tensor's facts, in graph order. */
export async function probeTensors(ort: OnnxRuntime, model: ModelProto, input: GraphInput, layout: 'nchw' | 'nhwc', [h, w]: [number, number]): Promise<TensorFacts[]> {
  const names = tensorNames(model.graph!);
  const session = await ort.InferenceSession.create(encodeModel(withOutputs(model, names)), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const dims = layout === 'nchw' ? [1, 3, h, w] : [1, h, w, 3];
    const result = await session.run({ [input.name]: new ort.Tensor('float32', new Float32Array(3 * h * w), dims) });
    return names.flatMap((name) => {
      const tensor = result[name];
      return tensor ? [{ name, type: tensor.type ?? 'unknown', dims: [...tensor.dims] }] : [];
    });
  } finally {
    await session.release();
  }
}

/** Tensors that can serve as a feature vector: numeric, one image's worth, a vector or a spatial map. */
export function featureCandidates(tensors: TensorFacts[]): TensorFacts[] {
  return tensors.filter((t) => ['float32', 'uint8', 'int8'].includes(t.type) && t.dims[0] === 1 && (t.dims.length === 2 || t.dims.length === 4) && t.dims.slice(1).reduce((a, b) => a * b, 1) > 1);
}
