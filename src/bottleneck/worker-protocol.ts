import type { AugmentSpec } from '../augment/distortions.js';
import type { BottleneckEngine } from '../model/engine.js';
import type { ModelIdentity } from '../model/model-identity.js';
import type { ResolvedModel } from '../model/resolve-model.js';

/** What the main thread sends a bottleneck worker: a small batch of encoded images. */
export interface BottleneckTask {
  model: ResolvedModel;
  identity: ModelIdentity;
  engine: BottleneckEngine;
  /** Encoded image files, transferred (not copied) to the worker. */
  images: Uint8Array[];
  /** A distortion per image (undefined: the plain image). */
  augments: Array<AugmentSpec | undefined>;
}

/**
 * One result per image, in order: the feature vector, or why the image could not be used (`transient`: the
 * reason may not be the image's fault, so it is not remembered).
 */
export type BottleneckOutcome = { vector: Float32Array } | { error: string; transient?: boolean };

export interface BottleneckTaskResult {
  outcomes: BottleneckOutcome[];
  /** The worker could not start its engine or load the model: no image of the batch was looked at. */
  setupError?: string;
  /** Milliseconds spent decoding + resizing and in inference, for the benchmarks. */
  decodeMs: number;
  inferMs: number;
}
