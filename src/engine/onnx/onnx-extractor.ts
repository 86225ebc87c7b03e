import { INPUT_NAME, OUTPUT_NAME } from './keras-to-onnx.js';
import { requireOnnxRuntime, type OnnxRuntime, type OrtSession } from './onnx-runtime.js';

const SESSION_OPTIONS = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };

/** A converted feature graph running on onnxruntime: RGB bytes in, one feature vector per image out. */
export class OnnxFeatureExtractor {
  private constructor(
    private readonly ort: OnnxRuntime,
    private readonly session: OrtSession,
    readonly inputSize: [number, number],
  ) {}

  /**
   * One session on one thread: the worker pool gives the parallelism (one engine per worker), and
   * onnxruntime's own thread pool would only compete with the other workers for the cores.
   */
  static async load(file: string, inputSize: [number, number]): Promise<OnnxFeatureExtractor> {
    return OnnxFeatureExtractor.fromGraph(await requireOnnxRuntime(), file, inputSize);
  }

  /** A session on a graph file or the graph's bytes. */
  static async fromGraph(ort: OnnxRuntime, graph: string | Uint8Array, inputSize: [number, number]): Promise<OnnxFeatureExtractor> {
    const session = await ort.InferenceSession.create(graph, SESSION_OPTIONS);
    return new OnnxFeatureExtractor(ort, session, inputSize);
  }

  release(): Promise<void> {
    return this.session.release();
  }

  async extract(pixels: Uint8Array[]): Promise<Float32Array[]> {
    const [h, w] = this.inputSize;
    const size = h * w * 3;
    const stacked = new Uint8Array(pixels.length * size);
    pixels.forEach((p, i) => stacked.set(p, i * size));
    const result = await this.session.run({ [INPUT_NAME]: new this.ort.Tensor('uint8', stacked, [pixels.length, h, w, 3]) });
    const output = result[OUTPUT_NAME]!;
    const data = output.data as Float32Array;
    const d = output.dims[1]!;
    return pixels.map((_, i) => data.slice(i * d, (i + 1) * d));
  }
}

/** Loads a feature graph and runs it on one blank image; throws when onnxruntime refuses it. */
export async function checkGraph(ort: OnnxRuntime, graph: Uint8Array, inputSize: [number, number]): Promise<void> {
  const extractor = await OnnxFeatureExtractor.fromGraph(ort, graph, inputSize);
  try {
    const [vector] = await extractor.extract([new Uint8Array(inputSize[0] * inputSize[1] * 3)]);
    if (!vector || vector.length === 0) throw new Error('the graph gives an empty feature vector');
  } finally {
    await extractor.release();
  }
}
