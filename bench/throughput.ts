/** Full builds on real photos: bottleneck throughput (cold and warm cache), build and no-op rebuild times. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../src/config/resolved-config.js';
import { build } from '../src/pipeline/build.js';
import type { BuildEvent } from '../src/pipeline/build-events.js';
import type { BuildResult } from '../src/pipeline/build-result.js';

export interface ThroughputRow {
  dataset: string;
  workers: number;
  images: number;
  /** Bottlenecks per second from the build's start to the last vector, cold cache (includes worker start-up). */
  coldImagesPerSecond: number;
  /** Bottlenecks per second from the first vector to the last: the pool at full speed. */
  steadyImagesPerSecond: number;
  /** The same with every vector cached. */
  warmImagesPerSecond: number;
  /** Share of worker time spent decoding + resizing (the rest is inference). */
  decodeShare: number;
  coldBuildSeconds: number;
  trainSeconds: number;
  noopBuildSeconds: number;
  testAccuracy: number | null;
  backend: string;
}

interface Timed {
  result: BuildResult;
  seconds: number;
  bottleneckSeconds: number;
  steadySeconds: number;
  trainSeconds: number;
  timings?: { decodeMs: number; inferMs: number };
}

async function timedBuild(config: ReturnType<typeof resolveConfig>): Promise<Timed> {
  let firstProgress: number | undefined;
  let lastProgress = 0;
  let trainStart = 0;
  let trainSeconds = 0;
  let timings: Timed['timings'];
  const start = performance.now();
  const onEvent = (event: BuildEvent) => {
    const now = performance.now();
    if (event.type === 'bottleneck-progress') {
      firstProgress ??= now;
      lastProgress = now;
    } else if (event.type === 'bottleneck-timings') timings = event;
    else if (event.type === 'stage' && event.stage === 'train' && event.status === 'start') trainStart = now;
    else if (event.type === 'stage' && event.stage === 'train' && event.status === 'done') trainSeconds = (now - trainStart) / 1000;
  };
  const result = await build(config, { onEvent });
  return {
    result,
    seconds: (performance.now() - start) / 1000,
    // From the build's start: includes starting the workers and loading the model in each.
    bottleneckSeconds: ((firstProgress === undefined ? start : lastProgress) - start) / 1000,
    steadySeconds: (lastProgress - (firstProgress ?? lastProgress)) / 1000,
    trainSeconds,
    timings,
  };
}

export async function measureThroughput(name: string, imageDirs: string[], modelDir: string, workers: number): Promise<ThroughputRow> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'retrain-bench-'));
  try {
    const config = resolveConfig({ imageDir: imageDirs, model: modelDir, workers, cacheDir: path.join(work, 'cache'), outputDir: path.join(work, 'out') }, work);
    const cold = await timedBuild(config);
    await fs.rm(path.join(work, 'out'), { recursive: true });
    const warm = await timedBuild(config);
    const noop = await timedBuild(config);
    if (noop.result.bottlenecksComputed !== 0 || noop.result.trained || noop.result.exported) throw new Error('no-op rebuild did work');
    const images = cold.result.bottlenecksComputed + cold.result.bottlenecksCached;
    const { decodeMs = 0, inferMs = 1 } = cold.timings ?? {};
    return {
      dataset: name,
      workers,
      images,
      coldImagesPerSecond: cold.result.bottlenecksComputed / cold.bottleneckSeconds,
      steadyImagesPerSecond: (cold.result.bottlenecksComputed - 1) / cold.steadySeconds,
      warmImagesPerSecond: images / Math.max(warm.bottleneckSeconds, 1e-6),
      decodeShare: decodeMs / (decodeMs + inferMs),
      coldBuildSeconds: cold.seconds,
      trainSeconds: cold.trainSeconds,
      noopBuildSeconds: noop.seconds,
      testAccuracy: cold.result.testAccuracy,
      backend: cold.result.backend,
    };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
