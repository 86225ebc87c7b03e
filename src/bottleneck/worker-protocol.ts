import type { AugmentSpec } from '../augment/distortions.js';
import type { BackendName } from '../model/backend.js';
import type { ModelIdentity } from '../model/model-identity.js';
import type { ResolvedModel } from '../model/resolve-model.js';

/** What the main thread sends a bottleneck worker: a small batch of encoded images. */
export interface BottleneckTask {
  model: ResolvedModel;
  identity: ModelIdentity;
  backend: BackendName;
  /** Encoded image files, transferred (not copied) to the worker. */
  images: Uint8Array[];
  /** A distortion per image (undefined: the plain image). */
  augments: Array<AugmentSpec | undefined>;
}

/** One result per image, in order: the feature vector, or why the image could not be used. */
export type BottleneckOutcome = { vector: Float32Array } | { error: string };

export interface BottleneckTaskResult {
  outcomes: BottleneckOutcome[];
  /** Milliseconds spent decoding + resizing and in inference, for the benchmarks. */
  decodeMs: number;
  inferMs: number;
}
