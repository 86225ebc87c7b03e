import type { Distortions } from '../config/distortion-settings.js';
import { variantSeed } from '../store/keys.js';
import { Random } from './random.js';

export type { Distortions };

/** One concrete distortion of one image: what the worker applies after decoding. */
export interface AugmentSpec {
  /** ≥ 1: the image is resized to scale × input size, then cropped back to the input size. */
  scale: number;
  /** Where the crop starts, as a fraction of the free margin (0..1). */
  offsetX: number;
  offsetY: number;
  flip: boolean;
  /** Pixel values are multiplied by this (clamped to 0..255). */
  brightness: number;
}

export function distortionsActive(d: Distortions | undefined): d is Distortions {
  return Boolean(d && d.variants > 0 && (d.flipLeftRight || d.randomCrop > 0 || d.randomScale > 0 || d.randomBrightness > 0));
}

/**
 * The k-th variant of an image, as retrain.py draws a distortion (scale = (1 + crop%) · U(1, 1 + scale%),
 * a random crop back to size, an optional left-right flip, brightness × U(1 − b%, 1 + b%)), but drawn from
 * the image's content hash and k instead of a global random state: the same image always gets the same
 * variants, so they can be cached.
 */
export function variantSpec(sha256: string, d: Distortions, k: number): AugmentSpec {
  const random = new Random(variantSeed(sha256, d, k));
  const scale = (1 + d.randomCrop / 100) * (1 + random.next() * (d.randomScale / 100));
  return {
    scale,
    offsetX: random.next(),
    offsetY: random.next(),
    flip: d.flipLeftRight && random.next() < 0.5,
    brightness: 1 + (random.next() * 2 - 1) * (d.randomBrightness / 100),
  };
}

/** True when a distortion would leave the image as it is (e.g. "no flip" when only flipping is on). */
export function isIdentity(spec: AugmentSpec): boolean {
  return spec.scale === 1 && !spec.flip && spec.brightness === 1;
}

// The keys of distortion settings and of one distortion are distortionId and augmentId in src/store/keys.ts.
