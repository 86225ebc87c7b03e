import type { RemoteCache } from './remote-cache.js';

/** Where converted graphs are shared between machines (the remote cache), by graph key. */
export interface GraphShare {
  /** The graph stored under `key`, verified by the store, or undefined. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stores a graph converted here (in the background; the store flushes before the run ends). */
  put(key: string, graph: Uint8Array): Promise<void>;
}

/** Converted ONNX graphs through the remote cache (`<prefix>/graphs/…`, self-verifying like every value there). */
export function graphShare(remote: RemoteCache): GraphShare {
  return {
    get: (key) => remote.getBlob('graphs', `onnx-graph:${key}`),
    put: (key, graph) => remote.putBlob('graphs', `onnx-graph:${key}`, graph),
  };
}
