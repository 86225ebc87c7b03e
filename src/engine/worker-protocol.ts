import type { AugmentSpec } from '../core/distortions.js';
import type { BottleneckEngine } from './feature-engine.js';
import type { ModelIdentity } from './model-identity.js';
import type { ResolvedModel } from './model/resolve-model.js';

/** One vector to compute: from image `image` of the task, plain or distorted. */
export interface BottleneckItem {
  image: number;
  augment?: AugmentSpec;
}

/** What the main thread sends a bottleneck worker: a small batch of encoded images and the vectors wanted of them. */
export interface BottleneckTask {
  model: ResolvedModel;
  identity: ModelIdentity;
  engine: BottleneckEngine;
  /** Encoded image files (distinct contents), transferred (not copied) to the worker. */
  images: Uint8Array[];
  /** The vectors wanted: each image is decoded once, however many of its variants are asked for. */
  items: BottleneckItem[];
}

/**
 * One result per item, in order: the feature vector, or why the image could not be used (`transient`: the
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
