import * as tf from '@tensorflow/tfjs-core';

/** `--backend`: which engine computes bottlenecks (`onnx`, or a TensorFlow.js backend), `auto` the fastest that loads. */
export type BackendChoice = 'auto' | 'onnx' | TfBackendChoice;
/** A TensorFlow.js backend choice (`auto`: tfjs-node if it loads, else wasm). */
export type TfBackendChoice = 'auto' | 'node' | 'wasm' | 'cpu';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export class BackendError extends Error {
  override name = 'BackendError';
}

/**
 * Activates a TensorFlow.js backend in this thread. `auto` uses the native tfjs-node binding when it is
 * installed and loads, else WebAssembly. Returns the backend's name as TensorFlow.js reports it.
 */
export async function initBackend(choice: TfBackendChoice): Promise<BackendName> {
  if (choice === 'node' || choice === 'auto') {
    const loaded = await tryImport('@tensorflow/tfjs-node');
    if (loaded === true && (await tf.setBackend('tensorflow'))) return finish();
    if (choice === 'node') {
      throw new BackendError(`backend "node": @tensorflow/tfjs-node does not load here (${loaded}); use --backend wasm`);
    }
  }
  if (choice === 'wasm' || choice === 'auto') {
    await import('@tensorflow/tfjs-backend-wasm');
    if (await tf.setBackend('wasm')) return finish();
    throw new BackendError('backend "wasm": could not initialise the WebAssembly backend');
  }
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  return finish();
}

async function finish(): Promise<BackendName> {
  await tf.ready();
  tf.enableProdMode();
  return tf.getBackend() as BackendName;
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
