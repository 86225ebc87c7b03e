/**
 * Full builds on real photos, three in a row on one cache: cold (fresh cache), warm (every vector cached,
 * output deleted so the model is exported again) and no-op (nothing changed: nothing may be done).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RetrainConfig } from '../src/config/define-config.js';
import { resolveConfig, type ResolvedConfig } from '../src/config/resolved-config.js';
import { build } from '../src/pipeline/build.js';
import type { BuildEvent } from '../src/pipeline/build-events.js';
import type { BuildResult } from '../src/pipeline/build-result.js';

/** Where a build's time went, in the order the pipeline runs. */
export interface Phase {
  name: string;
  seconds: number;
}

export interface ThroughputRow {
  dataset: string;
  /** The model folder's name. */
  model: string;
  workers: number;
  images: number;
  coldBuildSeconds: number;
  /** Bottlenecks computed per second over the bottleneck phase: scan done → last vector (includes worker start-up). */
  coldImagesPerSecond: number;
  /** The same from the first vector to the last: the pool at full speed. */
  steadyImagesPerSecond: number;
  /** Share of worker time spent decoding + resizing (the rest is inference). */
  decodeShare: number;
  trainSeconds: number;
  warmBuildSeconds: number;
  /** Images per second over the bottleneck phase with every vector cached (hash via stat cache + LMDB read). */
  warmImagesPerSecond: number;
  noopBuildSeconds: number;
  noopPhases: Phase[];
  testAccuracy: number | null;
  backend: string;
}

/** A build's result, its wall time, and the seconds from its start at which each event was first (or last) seen. */
interface TimedBuild {
  result: BuildResult;
  seconds: number;
  marks: Map<string, number>;
  workerTimings?: { decodeMs: number; inferMs: number };
}

async function timedBuild(config: ResolvedConfig): Promise<TimedBuild> {
  const marks = new Map<string, number>();
  let workerTimings: TimedBuild['workerTimings'];
  const start = performance.now();
  const mark = (name: string, { keepFirst = true } = {}) => {
    if (!keepFirst || !marks.has(name)) marks.set(name, (performance.now() - start) / 1000);
  };
  const onEvent = (event: BuildEvent) => {
    if (event.type === 'backend' || event.type === 'scanned') mark(event.type);
    else if (event.type === 'bottleneck-progress') {
      mark('first-vector');
      mark('last-vector', { keepFirst: false });
    } else if (event.type === 'bottleneck-timings') workerTimings = event;
    else if (event.type === 'stage') mark(`${event.stage} ${event.status}`);
  };
  const result = await build(config, { onEvent });
  return { result, seconds: (performance.now() - start) / 1000, marks, workerTimings };
}

function at(build: TimedBuild, mark: string): number {
  const seconds = build.marks.get(mark);
  if (seconds === undefined) throw new Error(`build emitted no '${mark}' event (saw: ${[...build.marks.keys()].join(', ')})`);
  return seconds;
}

type Expected = Partial<Pick<BuildResult, 'bottlenecksComputed' | 'trained' | 'exported'>>;

/** Fails the benchmark when a build did other work than the figures assume (e.g. a no-op rebuild that trained). */
function assertDid(build: TimedBuild, what: string, expected: Expected): void {
  const wrong = Object.entries(expected).filter(([field, value]) => build.result[field as keyof Expected] !== value);
  if (wrong.length > 0) {
    const found = wrong.map(([field, value]) => `${field}=${build.result[field as keyof Expected]} (expected ${value})`);
    throw new Error(`${what} did not do what was expected: ${found.join(', ')}`);
  }
}

/** The no-op rebuild's wall time split at the events the pipeline emits. */
function noopPhases(noop: TimedBuild): Phase[] {
  const bounds: Array<[string, number]> = [
    ['model + backend', at(noop, 'backend')],
    ['scan', at(noop, 'scanned')],
    ['hash + vector look-up', at(noop, 'last-vector')],
    ['split → train check', at(noop, 'train up-to-date')],
    ['evaluate + export check', at(noop, 'export up-to-date')],
    ['close', noop.seconds],
  ];
  return bounds.map(([name, end], i) => ({ name, seconds: end - (i === 0 ? 0 : bounds[i - 1]![1]) }));
}

export async function measureThroughput(
  name: string,
  imageDirs: string[],
  modelDir: string,
  workers: number,
  overrides: Pick<RetrainConfig, 'distortions' | 'backend'> = {},
): Promise<ThroughputRow> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'retrain-bench-'));
  const outputDir = path.join(work, 'out');
  try {
    const config = resolveConfig({ imageDir: imageDirs, model: modelDir, workers, cacheDir: path.join(work, 'cache'), outputDir, ...overrides }, process.cwd());
    const cold = await timedBuild(config);
    await fs.rm(outputDir, { recursive: true });
    const warm = await timedBuild(config);
    const noop = await timedBuild(config);
    const label = `${name} with ${workers} worker(s)`;
    assertDid(warm, `warm build of ${label}`, { bottlenecksComputed: 0 });
    assertDid(noop, `no-op rebuild of ${label}`, { bottlenecksComputed: 0, trained: false, exported: false });
    const images = cold.result.bottlenecksComputed + cold.result.bottlenecksCached;
    const { decodeMs, inferMs } = cold.workerTimings ?? { decodeMs: NaN, inferMs: NaN };
    if (overrides.backend && overrides.backend !== 'auto' && cold.result.backend !== ({ onnx: 'onnxruntime', node: 'tensorflow' }[overrides.backend as string] ?? overrides.backend)) {
      throw new Error(`${label}: asked for backend ${overrides.backend}, the build used ${cold.result.backend}`);
    }
    return {
      dataset: name,
      model: path.basename(modelDir),
      workers,
      images,
      coldBuildSeconds: cold.seconds,
      coldImagesPerSecond: cold.result.bottlenecksComputed / (at(cold, 'last-vector') - at(cold, 'scanned')),
      steadyImagesPerSecond: (cold.result.bottlenecksComputed - 1) / (at(cold, 'last-vector') - at(cold, 'first-vector')),
      decodeShare: decodeMs / (decodeMs + inferMs),
      trainSeconds: at(cold, 'train done') - at(cold, 'train start'),
      warmBuildSeconds: warm.seconds,
      warmImagesPerSecond: images / (at(warm, 'last-vector') - at(warm, 'scanned')),
      noopBuildSeconds: noop.seconds,
      noopPhases: noopPhases(noop),
      testAccuracy: cold.result.testAccuracy,
      backend: cold.result.backend,
    };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
