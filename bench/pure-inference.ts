/**
 * Our inference alone, measured the way the PyTorch peer is (bench/pytorch_peer.py): a fixed batch of
 * pixels run again and again, no decoding, median of 3 timed rounds after warm-up, in `threads` worker
 * threads at once (one single-threaded engine each, as the bottleneck pool runs them); images/s summed.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { selectEngine } from '../src/model/engine.js';
import { resolveModel } from '../src/model/resolve-model.js';
import type { InferenceJob } from './inference-worker.js';

export interface PureInference {
  /** Undefined when onnxruntime-node is not installed. */
  onnx?: number;
  wasm: number;
  threads: number;
  batch: number;
}

function runWorkers(job: InferenceJob, threads: number): Promise<number> {
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const worker = new Worker(new URL('./inference-worker.js', import.meta.url), { workerData: job });
      worker.once('message', (rate: number) => {
        resolve(rate);
        void worker.terminate();
      });
      worker.once('error', reject);
    });
  return Promise.all(Array.from({ length: threads }, one)).then((rates) => rates.reduce((a, b) => a + b, 0));
}

export async function measurePureInference(modelDir: string, threads: number, batch = 8): Promise<PureInference> {
  const cacheDir = os.tmpdir();
  const resolved = await resolveModel(modelDir, {}, cacheDir);
  const onnx = await selectEngine('onnx', resolved, cacheDir).then(
    ({ engine, identity }) => runWorkers({ engine: 'onnx', onnxFile: engine.onnxFile, resolved, identity, batch }, threads),
    () => undefined,
  );
  const { identity } = await selectEngine('wasm', resolved, cacheDir);
  const wasm = await runWorkers({ engine: 'wasm', resolved, identity, batch }, threads);
  return { onnx, wasm, threads, batch };
}
