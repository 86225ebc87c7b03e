import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { decodeImage } from '../src/images/decode-image.js';
import { initBackend } from '../src/engine/model/backend.js';
import { selectEngine } from '../src/engine/feature-engine.js';
import { extractFeatures, loadFeatureExtractor } from '../src/engine/feature-extractor.js';
import { identifyModel } from '../src/engine/model-identity.js';
import { readModelFiles } from '../src/engine/model/read-model-files.js';
import { ModelError, resolveModel } from '../src/engine/model/resolve-model.js';
import { convertModelFiles } from '../src/engine/onnx/convert-model.js';
import { kerasToOnnx, OnnxConversionError } from '../src/engine/onnx/keras-to-onnx.js';
import { OnnxFeatureExtractor } from '../src/engine/onnx/onnx-extractor.js';
import { onnxRuntimeVersion } from '../src/engine/onnx/onnx-runtime.js';
import { everyLayerModel, largestDifference, randomiseWeights, saveModel } from './helpers/keras-models.js';
import { DARKNET_DIR, HAS_SHARED, HYMENOPTERA, MODEL_DIR, tempDir } from './helpers/shared.js';

const HAS_ORT = onnxRuntimeVersion() !== undefined;

function needsOrt(t: TestContext): boolean {
  if (HAS_ORT) return true;
  t.skip('onnxruntime-node is not installed (an optional dependency)');
  return false;
}

describe('Keras → ONNX conversion', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('every supported layer kind computes what TensorFlow.js computes', async (t) => {
    if (!needsOrt(t)) return;
    const model = everyLayerModel();
    randomiseWeights(model, 7);
    const modelJson = await saveModel(model);
    const onnxFile = path.join(path.dirname(modelJson), 'model.onnx');
    await fs.writeFile(onnxFile, convertModelFiles(await readModelFiles(modelJson), { inputSize: [17, 19], range: [-1, 1] }));
    const onnx = await OnnxFeatureExtractor.load(onnxFile, [17, 19]);
    const images = [3, 11].map((k) => Uint8Array.from({ length: 17 * 19 * 3 }, (_, i) => (i * k + 31 * k) % 256));

    const expected = tf.tidy(() => {
      const x = tf.sub(tf.div(tf.stack(images.map((p) => tf.tensor3d(p, [17, 19, 3], 'float32'))), 127.5), 1);
      return (model.predict(x) as tf.Tensor).arraySync() as number[][];
    }).map((row) => Float32Array.from(row));
    const actual = await onnx.extract(images);
    assert.equal(actual[0]!.length, 12 + 16 + 16);
    const { worst, scale } = largestDifference(expected, actual);
    assert.ok(scale > 0.1, 'the outputs carry signal');
    assert.ok(worst < 1e-4, `largest difference ${worst} (largest value ${scale})`);
  });

  for (const [name, dir] of [['mobilenet_v2_035_224', MODEL_DIR], ['darknet_tiny_224', DARKNET_DIR]] as const) {
    it(`${name}: onnxruntime bottlenecks equal TensorFlow.js ones on real photos`, { skip: !HAS_SHARED && 'shared models not found' }, async (t) => {
      if (!needsOrt(t)) return;
      const cacheDir = await tempDir();
      const resolved = await resolveModel(dir, {}, cacheDir);
      const { engine, identity } = await selectEngine('onnx', resolved, cacheDir);
      assert.equal(engine.name, 'onnxruntime');
      const onnx = await OnnxFeatureExtractor.load(engine.onnxFile!, identity.inputSize);
      const tfjs = await loadFeatureExtractor(resolved, await identifyModel(resolved, 'wasm'));
      const pixels = [];
      for (const label of ['ants', 'bees']) {
        const folder = path.join(HYMENOPTERA, 'val', label);
        const photo = path.join(folder, (await fs.readdir(folder)).sort()[0]!);
        pixels.push(await decodeImage(await fs.readFile(photo), identity.inputSize, identity.resize));
      }
      const { worst, scale } = largestDifference(extractFeatures(tfjs, pixels), await onnx.extract(pixels));
      assert.equal(extractFeatures(tfjs, pixels)[0]!.length, (await onnx.extract(pixels))[0]!.length);
      assert.ok(worst < 1e-3 * Math.max(1, scale), `largest difference ${worst} (largest value ${scale})`);
    });
  }

  it('a layer with no conversion: auto falls back to TensorFlow.js with a note, onnx refuses clearly', async (t) => {
    if (!needsOrt(t)) return;
    const input = tfl.input({ shape: [8, 8, 3], name: 'image' });
    const up = tfl.layers.upSampling2d({ size: [2, 2], name: 'upsample' }).apply(input) as tfl.SymbolicTensor;
    const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, name: 'conv' }).apply(up) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(conv) as tfl.SymbolicTensor });
    const modelJson = await saveModel(model);
    const files = await readModelFiles(modelJson);
    assert.throws(() => convertModelFiles(files, { inputSize: [8, 8], range: [0, 1] }), OnnxConversionError);

    const cacheDir = await tempDir();
    const resolved = await resolveModel(path.dirname(modelJson), {}, cacheDir);
    const auto = await selectEngine('auto', resolved, cacheDir);
    assert.notEqual(auto.engine.name, 'onnxruntime');
    assert.match(auto.engine.note ?? '', /layer "upsample" \(UpSampling2D\)/);
    await assert.rejects(selectEngine('onnx', resolved, cacheDir), (error: Error) => {
      assert.ok(error instanceof ModelError);
      assert.match(error.message, /does not run on onnxruntime: layer "upsample" \(UpSampling2D\): no ONNX conversion.*--backend wasm/);
      return true;
    });
  });

  it('a cache folder that cannot hold the graph: auto falls back with a note, onnx refuses', { skip: !HAS_SHARED && 'shared models not found' }, async (t) => {
    if (!needsOrt(t)) return;
    const cacheDir = await tempDir();
    await fs.writeFile(path.join(cacheDir, 'onnx'), 'a file where the graph folder should be');
    const resolved = await resolveModel(MODEL_DIR, {}, cacheDir);
    const auto = await selectEngine('auto', resolved, cacheDir);
    assert.notEqual(auto.engine.name, 'onnxruntime');
    assert.match(auto.engine.note ?? '', /does not run on onnxruntime: .*(EEXIST|ENOTDIR)/);
    await assert.rejects(selectEngine('onnx', resolved, cacheDir), ModelError);
  });

  it('refuses what it cannot convert faithfully, naming the layer', () => {
    const topology = (layer: Record<string, unknown>) => ({
      class_name: 'Sequential',
      config: { name: 's', layers: [{ class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 4, 4, 3] } }, layer] },
    });
    const options = { inputSize: [4, 4] as [number, number], range: [0, 1] as [number, number], pooling: 'avg' as const };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ class_name: 'Rescaling', config: { name: 'rescale', scale: [1, 2, 3], offset: 0 } }, /layer "rescale" \(Rescaling\): only a single scale/],
      [{ class_name: 'Conv2D', config: { name: 'grouped', filters: 4, kernel_size: [1, 1], groups: 3 } }, /layer "grouped" \(Conv2D\): grouped convolutions/],
      [{ class_name: 'Conv2D', config: { name: 'cf', data_format: 'channels_first', filters: 4, kernel_size: [1, 1] } }, /layer "cf" \(Conv2D\): data_format/],
      [{ class_name: 'LSTM', config: { name: 'lstm' } }, /layer "lstm" \(LSTM\): no ONNX conversion/],
    ];
    for (const [layer, message] of cases) {
      assert.throws(() => kerasToOnnx(topology(layer), new Map(), options), (error: Error) => error instanceof OnnxConversionError && message.test(error.message));
    }
  });

  it('the engine is part of the bottleneck fingerprint', { skip: !HAS_SHARED && 'shared models not found' }, async (t) => {
    if (!needsOrt(t)) return;
    const cacheDir = await tempDir();
    const resolved = await resolveModel(MODEL_DIR, {}, cacheDir);
    const onnx = await selectEngine('onnx', resolved, cacheDir);
    const wasm = await selectEngine('wasm', resolved, cacheDir);
    assert.notEqual(onnx.identity.fingerprint, wasm.identity.fingerprint);
    assert.equal(onnx.identity.preprocessId, wasm.identity.preprocessId);
    // The converted graph is made once and then found in the cache folder.
    const again = await selectEngine('onnx', resolved, cacheDir);
    assert.equal(again.engine.onnxFile, onnx.engine.onnxFile);
    // One graph, with its checksum beside it (beside the TF.js model's stat-validated content-hash record).
    const name = path.basename(onnx.engine.onnxFile!);
    const graphs = (await fs.readdir(path.dirname(onnx.engine.onnxFile!))).filter((file) => !file.startsWith('tfjs-hash-'));
    assert.deepEqual(graphs.sort(), [name, `${name}.crc32`]);
  });
});
