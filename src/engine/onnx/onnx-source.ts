/**
 * An ONNX model as a bottleneck source: its declared preprocessing checked against the graph, the feature
 * tensor chosen (named, or the features feeding a classifier's last layer), the graph cut there into a
 * feature graph kept in `<cacheDir>/onnx/`, and the model's identity for cache keys. Every bad input is one
 * line before any image is read.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../../util/content-hash.js';
import type { ModelIdentity } from '../model/model-identity-type.js';
import { ModelError, type ResolvedModel } from '../model/resolve-model.js';
import { cutGraphKey, ONNX_CUT_VERSION, onnxModelFingerprint, preprocessId as preprocessIdOf, scalingId } from '../../store/keys.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { featureGraph, type FeatureCut } from './cut-graph.js';
import { classifierFeatures, closestNames, graphInputs, quantizationOf, tensorNames, type GraphInput } from './graph-facts.js';
import { checkGraph } from './onnx-extractor.js';
import { decodeModel, elemTypeName, encodeModel, ElemType, type ModelProto } from './onnx-proto.js';
import { readOnnxFileFacts, statForFacts, writeOnnxFileFacts } from './onnx-file-facts.js';
import { onnxRuntimeVersion, type OnnxRuntime } from './onnx-runtime.js';
import { featureCandidates, probeTensors, type TensorFacts } from './probe-tensors.js';

// ONNX_CUT_VERSION (src/store/keys.ts) is bumped whenever the cut graph computes something else from the
// same model and options.

export interface OnnxSource {
  model: ModelProto;
  contentHash: string;
}

export interface PreparedOnnx {
  /** The feature graph file (uint8 NHWC pixels in, features out). */
  file: string;
  cut: FeatureCut;
  identity: ModelIdentity;
}

/** Reads and decodes an ONNX file; a one-line ModelError when it is not one. */
export async function readOnnxSource(resolved: ResolvedModel): Promise<OnnxSource> {
  const bytes = await fs.readFile(resolved.modelJson);
  let model: ModelProto;
  try {
    model = decodeModel(bytes);
  } catch (error) {
    throw new ModelError(`model "${resolved.source}": ${resolved.modelJson} is not an ONNX model (${(error as Error).message.split('\n')[0]})`);
  }
  if (!model.graph || (model.graph.node ?? []).length === 0 || (model.graph.output ?? []).length === 0) {
    throw new ModelError(`model "${resolved.source}": ${resolved.modelJson} is not an ONNX model (no graph with nodes and outputs)`);
  }
  return { model, contentHash: sha256Hex(bytes) };
}

/** What the graph and the options say about the input and the cut, before anything runs (the FeatureCut to be). */
export interface PlannedCut extends Pick<FeatureCut, 'layout' | 'inputSize' | 'scale' | 'offset' | 'tensor'> {
  input: GraphInput;
  pooling?: FeatureCut['pooling'];
}

export function planCut(resolved: ResolvedModel, model: ModelProto): PlannedCut {
  const fail = (what: string) => new ModelError(`model "${resolved.source}": ${what}`);
  const options = resolved.options;
  const graph = model.graph!;
  const inputs = graphInputs(graph);
  if (inputs.length !== 1) {
    throw fail(`the graph has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); this tool feeds one image input`);
  }
  const input = inputs[0]!;
  if (options.inputName && options.inputName !== input.name) throw fail(`no input named "${options.inputName}" (modelOptions.inputName); the graph's input is "${input.name}"`);
  if (input.elemType !== ElemType.FLOAT) throw fail(`input "${input.name}" is ${elemTypeName(input.elemType)}; only float32 image inputs are supported`);
  if (input.dims.length !== 4) throw fail(`input "${input.name}" has ${input.dims.length} dimensions; an image input has 4 (NCHW or NHWC)`);
  const layout = options.layout ?? (input.dims[1] === 3 ? 'nchw' : input.dims[3] === 3 ? 'nhwc' : undefined);
  if (!layout) throw fail(`the layout of input "${input.name}" [${input.dims.map((d) => d ?? '?')}] is not fixed; set modelOptions.layout to nchw or nhwc`);
  const channels = layout === 'nchw' ? input.dims[1] : input.dims[3];
  if (typeof channels === 'number' && channels !== 3) throw fail(`input "${input.name}" has ${channels} channels in ${layout} layout, not 3 (modelOptions.layout?)`);
  const [hDim, wDim] = layout === 'nchw' ? [input.dims[2], input.dims[3]] : [input.dims[1], input.dims[2]];
  const fixed: [number, number] | undefined = typeof hDim === 'number' && typeof wDim === 'number' ? [hDim, wDim] : undefined;
  if (fixed && options.inputSize && (fixed[0] !== options.inputSize[0] || fixed[1] !== options.inputSize[1])) {
    throw fail(`modelOptions.inputSize [${options.inputSize}] differs from the graph's fixed input size [${fixed}]`);
  }
  const inputSize = fixed ?? options.inputSize;
  if (!inputSize) throw fail(`input "${input.name}" has a dynamic height or width; set modelOptions.inputSize [height, width]`);
  let scale: [number, number, number];
  let offset: [number, number, number];
  if (options.mean && options.std) {
    const { mean, std } = options;
    scale = [0, 1, 2].map((c) => 1 / (255 * std[c]!)) as [number, number, number];
    offset = [0, 1, 2].map((c) => -mean[c]! / std[c]!) as [number, number, number];
  } else if (options.range) {
    const [lo, hi] = options.range;
    scale = [(hi - lo) / 255, (hi - lo) / 255, (hi - lo) / 255];
    offset = [lo, lo, lo];
  } else {
    throw fail('how pixels are scaled is not declared; set modelOptions.range (e.g. [0, 1]) or modelOptions.mean and std');
  }
  const names = tensorNames(graph);
  let tensor = options.featureLayer;
  if (tensor && !names.includes(tensor)) {
    throw fail(`no tensor named "${tensor}" (modelOptions.featureLayer); closest: ${closestNames(tensor, names).join(', ')} (see retrain models inspect)`);
  }
  tensor ??= classifierFeatures(graph) ?? graph.output![0]!.name!;
  return { input, layout, inputSize, scale, offset, tensor, pooling: options.pooling };
}

/** The feature cut of a planned tensor, from its probed type and shape; a ModelError when it cannot be a feature. */
export function finishCut(resolved: ResolvedModel, model: ModelProto, plan: PlannedCut, facts: TensorFacts[]): FeatureCut {
  const fact = facts.find((f) => f.name === plan.tensor);
  const fail = (what: string) => new ModelError(`model "${resolved.source}": ${what}`);
  if (!fact) throw fail(`tensor "${plan.tensor}" is not computed for an image (a constant?); see retrain models inspect`);
  if (!featureCandidates([fact]).length) throw fail(`tensor "${plan.tensor}" (${fact.type} [${fact.dims}]) cannot be a feature vector; pick a float or 8-bit tensor of rank 2 or 4 (retrain models inspect)`);
  let quantization: FeatureCut['quantization'];
  if (fact.type !== 'float32') {
    quantization = quantizationOf(model.graph!, plan.tensor);
    if (!quantization) throw fail(`tensor "${plan.tensor}" is ${fact.type} and no scale / zero point for it was found; pick a float tensor`);
  }
  return {
    inputName: plan.input.name,
    layout: plan.layout,
    inputSize: plan.inputSize,
    scale: plan.scale,
    offset: plan.offset,
    tensor: plan.tensor,
    rank: fact.dims.length,
    quantization,
    pooling: plan.pooling ?? (fact.dims.length === 4 ? 'avg' : 'none'),
  };
}

/**
 * Checks an ONNX model and its options, cuts it at the feature tensor (once: the cut graph and its
 * description are kept in `<cacheDir>/onnx/`, keyed by the model's content, the options and the cut's
 * version) and works out its identity.
 */
export async function prepareOnnxModel(resolved: ResolvedModel, loadOrt: () => Promise<OnnxRuntime>, cacheDir: string): Promise<PreparedOnnx> {
  // A rebuild with the model file unchanged: its hash, cut key and names are on record, the cut is on disk.
  const settings = [resolved.options, ONNX_CUT_VERSION];
  const known = await readOnnxFileFacts(cacheDir, resolved.modelJson, settings);
  if (known) {
    const cut = await readCut(cacheDir, known.key);
    if (cut) return { file: cutFile(cacheDir, known.key), cut, identity: onnxIdentity(resolved, known.contentHash, cut, known.names) };
  }
  const stat = statForFacts(resolved.modelJson);
  const { model, contentHash } = await readOnnxSource(resolved);
  const plan = planCut(resolved, model);
  const key = cutGraphKey(contentHash, plan);
  const file = cutFile(cacheDir, key);
  const described = path.join(cacheDir, 'onnx', `${key}.cut.json`);
  let cut = await readCut(cacheDir, key);
  if (!cut) {
    // onnxruntime is loaded here, to cut the graph, not by a rebuild that finds the cut made.
    const ort = await loadOrt();
    const facts = await probeTensors(ort, model, plan.input, plan.layout, plan.inputSize).catch((error: Error) => {
      throw new ModelError(`model "${resolved.source}": onnxruntime refuses the graph (${error.message.split('\n')[0]})`);
    });
    cut = finishCut(resolved, model, plan, facts);
    const graph = encodeModel(featureGraph(model, cut));
    await checkGraph(ort, graph, cut.inputSize).catch((error: Error) => {
      throw new ModelError(`model "${resolved.source}": onnxruntime refuses the graph cut at "${cut!.tensor}" (${error.message.split('\n')[0]})`);
    });
    await writeFileAtomic(file, graph);
    await writeFileAtomic(described, JSON.stringify(cut));
  }
  const names = tensorNames(model.graph!);
  await writeOnnxFileFacts(cacheDir, resolved.modelJson, settings, stat, { contentHash, key, names });
  return { file, cut, identity: onnxIdentity(resolved, contentHash, cut, names) };
}

const cutFile = (cacheDir: string, key: string) => path.join(cacheDir, 'onnx', `${key}.onnx`);

/** The cut of this key as described on disk, when its graph file is there too. */
function readCut(cacheDir: string, key: string): Promise<FeatureCut | undefined> {
  return fs
    .readFile(path.join(cacheDir, 'onnx', `${key}.cut.json`), 'utf8')
    .then((text) => fs.access(cutFile(cacheDir, key)).then(() => JSON.parse(text) as FeatureCut))
    .catch(() => undefined);
}

function onnxIdentity(resolved: ResolvedModel, contentHash: string, cut: FeatureCut, names: string[]): ModelIdentity {
  const { mean, std, range } = resolved.options;
  const resize = resolved.options.resize ?? 'crop';
  const fingerprint = onnxModelFingerprint(contentHash, cut, onnxRuntimeVersion());
  const preprocessId = preprocessIdOf(resize, cut.inputSize, scalingId(range, mean, std));
  return { fingerprint, inputSize: cut.inputSize, range: range ?? [0, 1], mean, std, resize, preprocessId, layerNames: names };
}

