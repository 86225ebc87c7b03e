/**
 * Speed against the peer a Python user would pick (PyTorch, same architecture) and against the machine:
 * our inference rate as a share of the machine's peak FLOP/s.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../src/engine/model/backend.js';
import { loadFeatureExtractor } from '../src/engine/feature-extractor.js';
import { identifyModel } from '../src/engine/model-identity.js';
import { resolveModel } from '../src/engine/model/resolve-model.js';

const run = promisify(execFile);
const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/pytorch_peer.py');

export interface PeerResult {
  imagesPerSecond: number;
  threads: number;
  torch: string;
}

/** PyTorch's images/s, or why it could not be measured. Debian's python3 has the packages. */
export async function measurePyTorch(threads: number): Promise<PeerResult | { unavailable: string }> {
  try {
    const { stdout } = await run('/usr/bin/python3', [SCRIPT, String(threads)], { timeout: 300_000 });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as PeerResult;
  } catch (error) {
    return { unavailable: `${(error as Error).message.split('\n').slice(-2).join(' ').trim()} (apt-get install python3-torch python3-torchvision)` };
  }
}

/** Multiply-adds per image of the feature extractor, counted from its layers' shapes. */
export async function multiplyAddsPerImage(modelDir: string): Promise<number> {
  await initBackend('wasm');
  const resolved = await resolveModel(modelDir, {}, '/tmp');
  const extractor = await loadFeatureExtractor(resolved, await identifyModel(resolved, 'wasm'));
  let total = 0;
  const visit = (layers: tfl.layers.Layer[]) => {
    for (const layer of layers) {
      const nested = (layer as unknown as { layers?: tfl.layers.Layer[] }).layers;
      if (nested) {
        visit(nested);
        continue;
      }
      const config = layer.getConfig() as { kernel_size?: number[]; kernelSize?: number[]; filters?: number; depthMultiplier?: number; units?: number };
      const out = layer.outputShape as number[];
      const inShape = (layer.input as tfl.SymbolicTensor).shape as number[];
      const kernel = (config.kernelSize ?? config.kernel_size ?? [1, 1]) as number[];
      const cls = layer.getClassName();
      if (cls === 'Conv2D') total += out[1]! * out[2]! * kernel[0]! * kernel[1]! * inShape[3]! * out[3]!;
      else if (cls === 'DepthwiseConv2D') total += out[1]! * out[2]! * kernel[0]! * kernel[1]! * out[3]!;
      else if (cls === 'Dense') total += inShape.at(-1)! * out.at(-1)!;
    }
  };
  visit(extractor.model.layers);
  return total;
}
