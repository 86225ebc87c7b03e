import type { VectorRequest } from './vector-request.js';

/**
 * A cached vector that failed its checksum when a stage read it (the bottleneck stage only checks that the
 * key is there, so an up-to-date build reads no vector). The stage that reads it recomputes it and runs again.
 */
export class DamagedVectorError extends Error {
  override name = 'DamagedVectorError';

  constructor(readonly request: VectorRequest) {
    super(`the cached vector of ${request.path} is damaged (checksum mismatch): it is removed from the cache; build again to recompute it`);
  }
}
