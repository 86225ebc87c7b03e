import type { ImageWithVector } from '../../src/pipeline/dataset.js';

/**
 * The reference for the build's canonical order (ImageColumns.inCanonicalOrder sorts row numbers the same way): by (label, content hash) — the order of the strings
 * `${label}\0${sha256}` (a label holds no \0, so a label that begins another sorts first either way), compared
 * field by field instead of made: a million-image build made a million keyed objects and strings here. Images of
 * one class with the same content (the same vector) follow their paths, so notes and lists that name one of them
 * do not change with the order the workers finished in.
 */
export function inCanonicalOrder(images: ImageWithVector[]): ImageWithVector[] {
  return images.sort((a, b) => compare(a.label, b.label) || compare(a.sha256, b.sha256) || compare(a.path, b.path));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
