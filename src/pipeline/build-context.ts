import type { ScanResult } from '../images/scan-image-dirs.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import type { RetrainCache } from '../store/retrain-cache.js';
import type { RemoteCache } from '../store/remote-cache.js';
import type { BottleneckQueue } from '../engine/queue/bottleneck-queue.js';
import type { BottleneckPool } from '../engine/worker-pool.js';
import type { BottleneckEngine } from '../engine/feature-engine.js';
import type { FeatureExtractor } from '../engine/feature-extractor.js';
import type { ModelIdentity } from '../engine/model-identity.js';
import type { ResolvedModel } from '../engine/model/resolve-model.js';
import type { VectorOutcome, VectorRequest } from './vector-request.js';
import type { EmitEvent } from './build-events.js';
import type { StageRunRecord } from './stage-run-record.js';

/**
 * The edges a build's tasks may touch: config, cache, event sink and the (lazily started) engines.
 * Everything else a task needs flows through the pipeline.
 */
export interface BuildContext {
  config: ResolvedConfig;
  configHash: string;
  cache: RetrainCache;
  /** The folders as the up-to-date check just scanned them (its listing had changed): the scan stage uses it. */
  scanned?: ScanResult;
  /** The shared remote cache behind `cache`, when one is configured. */
  remote?: RemoteCache;
  /** When set, missing bottlenecks are computed by queue workers into `remote` instead of locally. */
  queue?: BottleneckQueue;
  model: ResolvedModel;
  identity: ModelIdentity;
  /** What computes bottlenecks (in the workers), and the TensorFlow.js backend of this thread (export, options trainer). */
  engine: BottleneckEngine;
  emit: EmitEvent;
  /** Set when the build should stop at its next stage boundary. */
  signal?: AbortSignal;
  /** Filled by the declared stages as they run: each one's key and the inputs that made it. */
  stageRuns?: Map<string, StageRunRecord>;
  /** The bottleneck worker pool, started on first use. */
  pool(): BottleneckPool;
  /** The feature extractor in this thread (for export), loaded on first use. */
  extractor(): Promise<FeatureExtractor>;
  /** Computes one vector again (its cached value was damaged), as the bottleneck stage would. */
  recomputeVector?(request: VectorRequest): Promise<VectorOutcome>;
}
