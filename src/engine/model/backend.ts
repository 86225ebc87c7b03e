/**
 * TensorFlow.js is loaded on first use, not when this module is: a build whose work is all cached, and
 * commands that never touch TF.js, start without it.
 */
const loadTf = () => import('@tensorflow/tfjs-core');

/** `--backend`: which engine computes bottlenecks (`onnx`, or a TensorFlow.js backend), `auto` the fastest that loads. */
export type BackendChoice = 'auto' | 'onnx' | TfBackendChoice;
/** A TensorFlow.js backend choice (`auto`: tfjs-node if it loads, else wasm). */
export type TfBackendChoice = 'auto' | 'node' | 'wasm' | 'cpu';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** What computes bottlenecks (the feature engine): onnxruntime on a converted graph, or a TensorFlow.js backend. */
export type EngineName = 'onnxruntime' | BackendName;

export class BackendError extends Error {
  override name = 'BackendError';
}

/**
 * Activates a TensorFlow.js backend in this thread. `auto` uses the native tfjs-node binding when it is
 * installed and loads, else WebAssembly. Returns the backend's name as TensorFlow.js reports it.
 */
export async function initBackend(choice: TfBackendChoice): Promise<BackendName> {
  const tf = await loadTf();
  if (guards > 0) callerState ??= { backend: tf.engine().backendName ?? null, prod: tf.env().getBool('PROD') };
  if (choice === 'node' || choice === 'auto') {
    const loaded = await tryImport('@tensorflow/tfjs-node');
    if (loaded === true && (await tf.setBackend('tensorflow'))) return finish();
    if (choice === 'node') {
      throw new BackendError(`backend "node": @tensorflow/tfjs-node does not load here (${loaded}); use --backend wasm`);
    }
  }
  if (choice === 'wasm' || choice === 'auto') {
    // The WebAssembly backend's Emscripten runtime adds process-wide 'uncaughtException' and
    // 'unhandledRejection' listeners (rethrowing); a library must not change how its caller's process
    // handles errors, so they are taken off again.
    const ready = withoutNewProcessListeners(['uncaughtException', 'unhandledRejection'], async () => {
      await import('@tensorflow/tfjs-backend-wasm');
      return tf.setBackend('wasm');
    });
    if (await ready) return finish();
    throw new BackendError('backend "wasm": could not initialise the WebAssembly backend');
  }
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  return finish();
}

async function finish(): Promise<BackendName> {
  const tf = await loadTf();
  await tf.ready();
  tf.enableProdMode();
  return tf.getBackend() as BackendName;
}

/** Runs `work`, then removes the listeners of `events` that it added to `process`. */
async function withoutNewProcessListeners<T>(events: string[], work: () => Promise<T>): Promise<T> {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  try {
    return await work();
  } finally {
    for (const event of events) {
      for (const listener of emitter.listeners(event)) if (!before.get(event)!.has(listener)) emitter.removeListener(event, listener as never);
    }
  }
}

/** TF.js's backend and prod mode as a library caller had them before a build first changed them. */
let callerState: { backend: string | null; prod: boolean } | undefined;
/** Builds running under `preservingTfState` (they may overlap: experiments, watch, a caller's own). */
let guards = 0;

/**
 * Runs `work` (a build) and then gives TF.js back the backend and prod mode it had before `work` first
 * called `initBackend`, so a program that uses TF.js itself is not switched to another backend behind its
 * back. When TF.js had no backend yet there is nothing to give back, and the build's stays (the CLI).
 */
export async function preservingTfState<T>(work: () => Promise<T>): Promise<T> {
  guards++;
  try {
    return await work();
  } finally {
    guards--;
    const state = callerState;
    if (guards === 0 && state) {
      callerState = undefined;
      const tf = await loadTf();
      if (state.backend && tf.engine().backendName !== state.backend) await tf.setBackend(state.backend);
      if (tf.env().getBool('PROD') !== state.prod) tf.env().set('PROD', state.prod);
    }
  }
}

async function tryImport(name: string): Promise<true | string> {
  try {
    await import(name);
    return true;
  } catch (error) {
    return ((error as Error).message ?? String(error)).split('\n')[0]!;
  }
}

/**
 * Which backend `initBackend(choice)` would use, without starting an engine in this thread
 * (a build whose work is all cached never needs one).
 */
export async function detectBackend(choice: TfBackendChoice): Promise<BackendName> {
  if (choice === 'wasm' || choice === 'cpu') return choice;
  const loaded = await tryImport('@tensorflow/tfjs-node');
  if (loaded === true) return 'tensorflow';
  if (choice === 'node') {
    throw new BackendError(`backend "node": @tensorflow/tfjs-node does not load here (${loaded}); use --backend wasm`);
  }
  return 'wasm';
}

/** The choice that makes initBackend use exactly `name`. */
export function choiceFor(name: BackendName): TfBackendChoice {
  return name === 'tensorflow' ? 'node' : name;
}
