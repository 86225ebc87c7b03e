/**
 * Our inference alone, measured the way the PyTorch peer is (bench/pytorch_peer.py): a fixed batch of
 * pixels run again and again, no decoding, median of 3 timed rounds after warm-up, in `threads` worker
 * threads at once (one single-threaded engine each, as the bottleneck pool runs them); images/s summed.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ModelOptions } from '../src/config/define-config.js';
import { selectEngine } from '../src/engine/feature-engine.js';
import { resolveModel } from '../src/engine/model/resolve-model.js';
import type { InferenceJob } from './inference-worker.js';

export interface PureInference {
  /** Images/s, or why onnxruntime could not be measured. */
  onnx: number | { unavailable: string };
  /** Images/s on TensorFlow.js wasm; undefined for an ONNX model (onnxruntime only). */
  wasm?: number;
  threads: number;
  batch: number;
}

/** Starts `threads` workers, lets them all time at once when all are warm, and sums their images/s. */
async function runWorkers(job: InferenceJob, threads: number): Promise<number> {
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./inference-worker.js', import.meta.url), { workerData: job }));
  const next = (worker: Worker) =>
    new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`inference worker exited (code ${code}) before reporting`)));
    });
  try {
    await Promise.all(workers.map(next)); // 'ready'
    const rates = workers.map(next);
    for (const worker of workers) worker.postMessage('go');
    return ((await Promise.all(rates)) as number[]).reduce((a, b) => a + b, 0);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export async function measurePureInference(modelDir: string, threads: number, batch = 8, options: ModelOptions = {}): Promise<PureInference> {
  const cacheDir = os.tmpdir();
  const resolved = await resolveModel(modelDir, options, cacheDir);
  const onnx = await selectEngine('onnx', resolved, cacheDir).then(
    ({ engine, identity }) => runWorkers({ engine: 'onnx', onnxFile: engine.onnxFile, resolved, identity, batch }, threads),
    (error: Error) => ({ unavailable: error.message }),
  );
  if (resolved.format === 'onnx') return { onnx, threads, batch };
  const { identity } = await selectEngine('wasm', resolved, cacheDir);
  const wasm = await runWorkers({ engine: 'wasm', resolved, identity, batch }, threads);
  return { onnx, wasm, threads, batch };
}
