/**
 * The original's distortion flags (percentages), plus how many cached variants each training image gets: the
 * resolved settings, all set. The config owns their shape; augment/distortions.ts applies them.
 */
export interface Distortions {
  flipLeftRight: boolean;
  /** Percent of extra margin cropped around the image (original: random_crop). */
  randomCrop: number;
  /** Percent range of random scaling (original: random_scale). */
  randomScale: number;
  /** Percent range of random brightness change (original: random_brightness). */
  randomBrightness: number;
  /** Distorted variants per training image, each computed once and cached. */
  variants: number;
}
