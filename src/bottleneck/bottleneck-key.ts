import type { ModelIdentity } from '../model/model-identity.js';

/**
 * Cache key of one image's bottleneck: model fingerprint, preprocessing (and, for a distorted variant, the
 * identity of its distortion), then the image content, always last.
 */
export function bottleneckKey(identity: ModelIdentity, sha256: string, augmentId?: string): string {
  const preprocessing = augmentId ? `${identity.preprocessId}+${augmentId}` : identity.preprocessId;
  return `${identity.fingerprint}:${preprocessing}:${sha256}`;
}
