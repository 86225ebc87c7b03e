import type { AugmentSpec } from '../../core/distortions.js';
import type { ModelOptions } from '../../config/define-config.js';

/** The BullMQ queue that carries bottleneck jobs. */
export const QUEUE_NAME = 'retrain-bottlenecks';

/**
 * One bottleneck to compute. The image goes by reference (a path every worker can read), never as bytes;
 * the worker refuses content that no longer hashes to `sha256`. The result goes to the remote cache under
 * `key`: the remote cache, not the queue, is the truth about what is done.
 */
export interface BottleneckJob {
  key: string;
  path: string;
  sha256: string;
  augment?: AugmentSpec;
  model: string;
  modelOptions: ModelOptions;
  backend: 'auto' | 'onnx' | 'node' | 'wasm' | 'cpu';
  remoteCache: string;
}

/**
 * How a worker starts the failure reason of a job that failed because of its image (it cannot be decoded, or
 * its content changed): the coordinator reports that image as skipped. Any other failure is the worker's (it
 * cannot reach the remote cache, it has another model…): the coordinator computes the vector itself.
 */
const IMAGE_FAILURE = 'image: ';

export function imageFailure(reason: string): string {
  return IMAGE_FAILURE + reason;
}

/** The reason of a job's failure, and whether the image caused it (else the worker did). */
export function parseFailure(failedReason: string): { error: string; image: boolean } {
  return failedReason.startsWith(IMAGE_FAILURE) ? { error: failedReason.slice(IMAGE_FAILURE.length), image: true } : { error: failedReason, image: false };
}

/** Parses redis://host:port[/db] into ioredis options, or throws one line naming `source`. */
export function redisConnection(url: string, source: string): { host: string; port: number; db: number; password?: string; username?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${source}: "${url}" is not a Redis URL; expected redis://host:port`);
  }
  if (parsed.protocol !== 'redis:') throw new Error(`${source}: "${url}" is not a Redis URL; expected redis://host:port`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 6379),
    db: Number(parsed.pathname.slice(1) || 0),
    username: parsed.username || undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
  };
}
