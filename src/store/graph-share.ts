import type { GraphShare } from '../onnx/graph-store.js';
import type { RemoteCache } from './remote-cache.js';

/** Converted ONNX graphs through the remote cache (`<prefix>/graphs/…`, self-verifying like every value there). */
export function graphShare(remote: RemoteCache): GraphShare {
  return {
    get: (key) => remote.getBlob('graphs', `onnx-graph:${key}`),
    put: (key, graph) => remote.putBlob('graphs', `onnx-graph:${key}`, graph),
  };
}
