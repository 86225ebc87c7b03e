import type { ModelIdentity } from '../model/model-identity.js';

/** Cache key of one image's bottleneck: model fingerprint, preprocessing and image content. */
export function bottleneckKey(identity: ModelIdentity, sha256: string): string {
  return `${identity.fingerprint}:${identity.preprocessId}:${sha256}`;
}
