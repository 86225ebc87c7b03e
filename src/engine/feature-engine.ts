import { readyGraph, storedGraph, type GraphShare } from './onnx/graph-store.js';
import { checkGraph } from './onnx/onnx-extractor.js';
import { prepareOnnxModel } from './onnx/onnx-source.js';
import { loadOnnxRuntime, onnxRuntimeVersion, requireOnnxRuntime, type OnnxRuntime } from './onnx/onnx-runtime.js';
import { detectBackend, type BackendChoice, type BackendName, type EngineName, type TfBackendChoice } from './model/backend.js';
import { identifyModel, type ModelIdentity } from './model-identity.js';
import { readModelFiles } from './model/read-model-files.js';
import { readModelFacts } from './model/model-file-record.js';
import { ModelError, type ResolvedModel } from './model/resolve-model.js';

export type { EngineName };

export interface BottleneckEngine {
  name: EngineName;
  /** The TensorFlow.js backend for the work TF.js does in this thread (head options training, export). */
  tfBackend: BackendName;
  /** The converted feature graph, when `name` is onnxruntime. */
  onnxFile?: string;
  /** Why `auto` did not use onnxruntime, when it did not; or that a damaged converted graph was replaced. */
  note?: string;
}

export interface EngineSelection {
  engine: BottleneckEngine;
  identity: ModelIdentity;
}

/**
 * Picks the bottleneck engine for a backend choice. `onnx` runs onnxruntime (an error if it does not load
 * or the model has no conversion); `auto` does that when it can and falls back to TensorFlow.js (tfjs-node,
 * else wasm) with a note; `node`, `wasm` and `cpu` are TensorFlow.js backends. The converted graph is kept
 * in the cache folder, keyed by the model's content and the conversion, so it is made once.
 */
export async function selectEngine(choice: BackendChoice, resolved: ResolvedModel, cacheDir: string, shared?: GraphShare): Promise<EngineSelection> {
  if (resolved.format === 'onnx') return selectOnnxEngine(choice, resolved, cacheDir);
  // model.json and the content hash; the weights are read and hashed only when a file changed since the last
  // build (or to convert the model, below).
  const facts = await readModelFacts(resolved.modelJson, cacheDir);
  const tfChoice: TfBackendChoice = choice === 'onnx' ? 'auto' : choice;
  let note: string | undefined;
  if ((choice === 'onnx' || choice === 'auto') && onnxRuntimeVersion() !== undefined) {
    // The graph converted and checked by an earlier build: onnxruntime is picked without loading it (the
    // workers load it if there is anything to compute), as for an ONNX model whose cut is made.
    const identity = await identifyModel(resolved, 'onnxruntime', facts);
    const options = { featureLayer: resolved.options.featureLayer, pooling: resolved.options.pooling, inputSize: identity.inputSize, range: identity.range };
    const ready = await readyGraph(facts, options, cacheDir);
    if (ready) return { engine: { name: 'onnxruntime', tfBackend: await detectBackend(tfChoice), onnxFile: ready }, identity };
  }
  if (choice === 'onnx' || choice === 'auto') {
    const ort = choice === 'onnx' ? await requireOnnxRuntime() : await loadOnnxRuntime();
    if (typeof ort === 'string') {
      note = 'onnxruntime-node is not installed or does not load';
    } else {
      const identity = await identifyModel(resolved, 'onnxruntime', facts);
      const options = { featureLayer: resolved.options.featureLayer, pooling: resolved.options.pooling, inputSize: identity.inputSize, range: identity.range };
      const files = facts.files ?? (await readModelFiles(resolved.modelJson));
      // Whatever goes wrong here (an odd topology, a read-only cache folder) means "not onnxruntime".
      const converted = await storedGraph(files, options, cacheDir, (graph) => checkGraph(ort, graph, identity.inputSize), shared).catch((error: Error) => ({
        reason: error.message.split('\n')[0]!,
      }));
      if ('file' in converted) {
        const repaired = converted.damaged ? 'the converted ONNX graph in the cache was damaged (checksum mismatch) and was converted again' : undefined;
        return { engine: { name: 'onnxruntime', tfBackend: await detectBackend(tfChoice), onnxFile: converted.file, note: repaired }, identity };
      }
      if (choice === 'onnx') {
        throw new ModelError(`model "${resolved.source}" does not run on onnxruntime: ${converted.reason}; use --backend wasm`);
      }
      note = `the model does not run on onnxruntime: ${converted.reason}`;
    }
  }
  const backend = await detectBackend(tfChoice);
  return { engine: { name: backend, tfBackend: backend, note }, identity: await identifyModel(resolved, backend, facts) };
}

/** An ONNX model runs on onnxruntime only: cut at its feature tensor (checked and cached) before any work. */
async function selectOnnxEngine(choice: BackendChoice, resolved: ResolvedModel, cacheDir: string): Promise<EngineSelection> {
  if (choice !== 'auto' && choice !== 'onnx') {
    throw new ModelError(`model "${resolved.source}" is an ONNX model: it runs on onnxruntime only; use --backend onnx or auto, not ${choice}`);
  }
  const loadOrt = async () => {
    const ort = await loadOnnxRuntime();
    if (typeof ort === 'string') {
      // ONNXRUNTIME_NODE_INSTALL=skip: read by onnxruntime-node's script/install-utils.js; the CPU binaries ship in the package.
      throw new ModelError(`model "${resolved.source}" is an ONNX model and needs onnxruntime-node, which does not load here (${ort}); install it with \`ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node\` (the variable skips its install script, which downloads CUDA parts and fails offline)`);
    }
    return ort;
  };
  // onnxruntime itself is loaded only to cut the graph (or by the workers, to compute): a rebuild that finds
  // the cut made does not load it. Not installed is still said here, before any work.
  if (onnxRuntimeVersion() === undefined) await loadOrt();
  const { file, identity } = await prepareOnnxModel(resolved, loadOrt, cacheDir);
  return { engine: { name: 'onnxruntime', tfBackend: await detectBackend('auto'), onnxFile: file }, identity };
}

