/** The part of a model's identity (ModelIdentity) a bottleneck key is made of. */
export interface KeyedModel {
  fingerprint: string;
  preprocessId: string;
}

/**
 * Cache key of one image's bottleneck: model fingerprint, preprocessing (and, for a distorted variant, the
 * identity of its distortion), then the image content, always last.
 */
export function bottleneckKey(identity: KeyedModel, sha256: string, augmentId?: string): string {
  const preprocessing = augmentId ? `${identity.preprocessId}+${augmentId}` : identity.preprocessId;
  return `${identity.fingerprint}:${preprocessing}:${sha256}`;
}
