import type { ModelIdentity } from '../model/model-identity.js';

/**
 * Cache key of one image's bottleneck: model fingerprint, preprocessing (and, for a distorted variant, the
 * distortion settings and variant index), then the image content, always last.
 */
export function bottleneckKey(identity: ModelIdentity, sha256: string, variant?: { distortionId: string; index: number }): string {
  const preprocessing = variant ? `${identity.preprocessId}+${variant.distortionId}.${variant.index}` : identity.preprocessId;
  return `${identity.fingerprint}:${preprocessing}:${sha256}`;
}
