/**
 * Piscina worker: owns one engine (onnxruntime on the converted graph, or TensorFlow.js) with the feature
 * extractor loaded, decodes a batch of images with sharp and turns the good ones into feature vectors in
 * one inference call.
 */
import { choiceFor, initBackend } from './model/backend.js';
import { loadFeatureExtractor, extractFeatures } from './feature-extractor.js';
import { OnnxFeatureExtractor } from './onnx/onnx-extractor.js';
import { sha256Hex } from '../util/content-hash.js';
import { decodeImage, decodeVariants, ImageDecodeError } from '../images/decode-image.js';
import type { AugmentSpec } from '../core/distortions.js';
import type { BottleneckOutcome, BottleneckTask, BottleneckTaskResult } from './worker-protocol.js';

/** What a worker needs of an engine's extractor. */
interface Extractor {
  inputSize: [number, number];
  extract(pixels: Uint8Array[]): Promise<Float32Array[]>;
}

let loaded: { key: string; extractor: Promise<Extractor> } | undefined;

function extractorFor(task: BottleneckTask): Promise<Extractor> {
  const key = JSON.stringify([task.model, task.identity, task.engine]);
  if (loaded?.key !== key) {
    loaded = { key, extractor: loadExtractor(task) };
  }
  return loaded.extractor;
}

async function loadExtractor({ engine, model, identity }: BottleneckTask): Promise<Extractor> {
  if (engine.name === 'onnxruntime') return OnnxFeatureExtractor.load(engine.onnxFile!, identity.inputSize);
  await initBackend(choiceFor(engine.name));
  const extractor = await loadFeatureExtractor(model, identity);
  return { inputSize: extractor.inputSize, extract: async (pixels) => extractFeatures(extractor, pixels) };
}

export default async function computeBottlenecks(task: BottleneckTask): Promise<BottleneckTaskResult> {
  injectFaults(task.images);
  let extractor: Extractor;
  try {
    extractor = await extractorFor(task);
  } catch (error) {
    loaded = undefined;
    return { outcomes: [], setupError: (error as Error).message.split('\n')[0], decodeMs: 0, inferMs: 0 };
  }
  const t0 = performance.now();
  const decoded = await decodeItems(task, extractor.inputSize);
  const t1 = performance.now();
  const good = decoded.flatMap((d) => ('pixels' in d ? [d.pixels] : []));
  let vectors: Float32Array[];
  try {
    vectors = good.length > 0 ? await extractor.extract(good) : [];
  } catch (error) {
    // The engine failed (out of memory, say): nothing is known about the images, so nothing is remembered.
    const reason = `inference failed (${(error as Error).message.split('\n')[0]})`;
    return { outcomes: decoded.map((d) => ('pixels' in d ? { error: reason, transient: true } : d)), decodeMs: t1 - t0, inferMs: 0 };
  }
  const t2 = performance.now();
  let next = 0;
  const outcomes: BottleneckOutcome[] = decoded.map((d) => ('pixels' in d ? { vector: vectors[next++]! } : { error: d.error, transient: d.transient }));
  // Vectors are a few KB each: structured cloning them costs less than bookkeeping transfers.
  return { outcomes, decodeMs: t1 - t0, inferMs: t2 - t1 };
}

type Decoded = { pixels: Uint8Array } | { error: string; transient: boolean };

/** Pixels per item: each image decoded once for its plain item and once for all its distorted ones. */
async function decodeItems({ images, items, identity }: BottleneckTask, size: [number, number]): Promise<Decoded[]> {
  const decoded: Decoded[] = new Array(items.length);
  const failed = (error: Error): Decoded => ({ error: error.message, transient: error instanceof ImageDecodeError ? error.transient : true });
  await Promise.all(
    images.map(async (bytes, image) => {
      const mine = items.flatMap((item, index) => (item.image === image ? [{ index, augment: item.augment }] : []));
      const plain = mine.filter((m) => !m.augment);
      const distorted = mine.filter((m): m is { index: number; augment: AugmentSpec } => m.augment !== undefined);
      if (plain.length > 0) {
        const result = await decodeImage(bytes, size, identity.resize).then((pixels) => ({ pixels }), failed);
        for (const { index } of plain) decoded[index] = result;
      }
      if (distorted.length > 0) {
        await decodeVariants(bytes, size, identity.resize, distorted.map((d) => d.augment)).then(
          (variants) => distorted.forEach(({ index }, i) => (decoded[index] = { pixels: variants[i]! })),
          (error: Error) => distorted.forEach(({ index }) => (decoded[index] = failed(error))),
        );
      }
    }),
  );
  return decoded;
}

/**
 * Fault injection for the reliability tests only: RETRAIN_FAULT_INJECTION='{"crash":"<sha256 prefix>",
 * "hang":"<sha256 prefix>"}' makes this worker exit, or spin forever, on an image with that content.
 */
function injectFaults(images: Uint8Array[]): void {
  const spec = process.env.RETRAIN_FAULT_INJECTION;
  if (!spec) return;
  const { crash, hang } = JSON.parse(spec) as { crash?: string; hang?: string };
  for (const image of images) {
    const sha = sha256Hex(image);
    if (crash && sha.startsWith(crash)) process.exit(70);
    if (hang && sha.startsWith(hang)) for (;;);
  }
}
