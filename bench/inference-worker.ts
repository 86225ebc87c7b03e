/**
 * A worker thread for bench/pure-inference.ts: loads one engine (onnxruntime on a converted graph, or
 * TensorFlow.js wasm) and reports its images/s on a fixed batch of pixels, as bench/pytorch_peer.py does.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../src/engine/model/backend.js';
import { extractFeatures, loadFeatureExtractor } from '../src/engine/feature-extractor.js';
import type { ModelIdentity } from '../src/engine/model-identity.js';
import type { ResolvedModel } from '../src/engine/model/resolve-model.js';
import { OnnxFeatureExtractor } from '../src/engine/onnx/onnx-extractor.js';

export interface InferenceJob {
  engine: 'onnx' | 'wasm';
  onnxFile?: string;
  resolved: ResolvedModel;
  identity: ModelIdentity;
  batch: number;
}

const job = workerData as InferenceJob;
const [h, w] = job.identity.inputSize;
const pixels = Array.from({ length: job.batch }, (_, k) => Uint8Array.from({ length: h * w * 3 }, (_, i) => (i * 31 + k * 7) % 256));
let extract: (p: Uint8Array[]) => Promise<unknown>;
if (job.engine === 'onnx') {
  const session = await OnnxFeatureExtractor.load(job.onnxFile!, job.identity.inputSize);
  extract = (p) => session.extract(p);
} else {
  await initBackend('wasm');
  const extractor = await loadFeatureExtractor(job.resolved, job.identity);
  extract = async (p) => extractFeatures(extractor, p);
}
for (let i = 0; i < 3; i++) await extract(pixels);
// Every worker is loaded and warm before any starts timing (bench/pure-inference.ts releases them together).
parentPort!.postMessage('ready');
await new Promise((resolve) => parentPort!.once('message', resolve));
const rates: number[] = [];
for (let round = 0; round < 3; round++) {
  const start = performance.now();
  const runs = 10;
  for (let i = 0; i < runs; i++) await extract(pixels);
  rates.push((runs * job.batch) / ((performance.now() - start) / 1000));
}
parentPort!.postMessage(rates.sort((a, b) => a - b)[1]);
