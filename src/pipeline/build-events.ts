import type { EvalPoint } from '../core/train-head.js';

/** Everything a build reports while it runs; the CLI renders these as text, progress bars or JSON lines. */
export type BuildEvent =
  | { type: 'info'; message: string }
  | { type: 'warning'; message: string }
  /** `transient`: the reason says nothing about the file (a worker timed out or died, a read failed), so the next build tries it again. */
  | { type: 'skipped'; file: string; reason: string; transient?: boolean }
  | { type: 'scanned'; images: number; labels: string[] }
  /** `backend`: what computes bottlenecks; `tfBackend`: TensorFlow.js in this thread; `note`: why not onnxruntime. */
  | { type: 'backend'; backend: string; tfBackend: string; note?: string }
  | { type: 'bottleneck-progress'; done: number; total: number; computed: number; cached: number }
  | { type: 'augment-progress'; done: number; total: number; computed: number; cached: number }
  /** Worker time spent decoding + resizing and in inference, summed over workers (for benchmarks). */
  | { type: 'bottleneck-timings'; images: number; decodeMs: number; inferMs: number }
  | ({ type: 'train-eval' } & EvalPoint)
  /**
   * Every declared stage reports 'start' … 'done', or 'up-to-date' with the reason; a build stopped by its
   * signal (Ctrl-C; watch mode: the inputs changed) reports 'interrupted' for the stage it cut short (the
   * bottlenecks: what it computed is kept in the cache), then 'superseded' for each stage it did not start.
   * `total`: how many steps a stage has, when it counts them (training).
   */
  | { type: 'stage'; stage: string; status: 'start' | 'done' | 'up-to-date' | 'interrupted' | 'superseded'; detail?: string; total?: number };

export type EmitEvent = (event: BuildEvent) => void;
