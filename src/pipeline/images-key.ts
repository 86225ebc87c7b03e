import { sha256Hex } from '../hash/content-hash.js';

/** The content key of a set of images: each one's class, name in its class folder and content hash. */
export function imagesKey(images: ReadonlyArray<{ label: string; relPath: string; sha256: string }>): string {
  return sha256Hex(images.map((i) => `${i.label}\t${i.relPath}\t${i.sha256}`).sort().join('\n'));
}

/** The content key of the test set (what evaluation and export see of it). */
export function testSetKey(images: ReadonlyArray<{ set: string; label: string; key: string }>): string {
  return sha256Hex(JSON.stringify(images.filter((i) => i.set === 'testing').map((i) => `${i.label}\t${i.key}`).sort()));
}
