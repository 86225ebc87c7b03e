import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { decodeImage } from '../src/images/decode-image.js';
import { resolveConfig } from '../src/config/resolved-config.js';
import { selectEngine } from '../src/engine/feature-engine.js';
import { resolveModel, type ResolvedModel } from '../src/engine/model/resolve-model.js';
import { withOutputs } from '../src/engine/onnx/cut-graph.js';
import { inspectOnnxModel } from '../src/engine/onnx/inspect-model.js';
import { OnnxFeatureExtractor } from '../src/engine/onnx/onnx-extractor.js';
import { decodeModel, encodeModel, type ModelProto } from '../src/engine/onnx/onnx-proto.js';
import { loadOnnxRuntime, type OnnxRuntime } from '../src/engine/onnx/onnx-runtime.js';
import { build } from '../src/pipeline/build.js';
import { loadClassifier } from '../src/export/load-classifier.js';
import { bucketPercent, setForPercent, splitKey } from '../src/core/original-split.js';
import { HYMENOPTERA, SHARED, tempDir } from './helpers/shared.js';

const INT8_DIR = path.join(SHARED, 'models/mobilenet_v2_100_224_int8');
const INT8 = path.join(INT8_DIR, 'model.onnx');
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const ort = await loadOnnxRuntime();
const skip = !existsSync(INT8) ? `shared ONNX model not found at ${INT8} (set RETRAIN_SHARED)` : typeof ort === 'string' ? `onnxruntime-node does not load: ${ort}` : false;

/** The first `n` photos of a hymenoptera val/ class. */
async function photos(label: 'ants' | 'bees', n: number): Promise<string[]> {
  const dir = path.join(HYMENOPTERA, 'val', label);
  return (await fs.readdir(dir)).sort().slice(0, n).map((name) => path.join(dir, name));
}

/** Writes a modified copy of the shared model and returns its path. */
async function modified(change: (model: ModelProto) => void): Promise<string> {
  const model = decodeModel(await fs.readFile(INT8));
  change(model);
  const file = path.join(await tempDir(), 'changed.onnx');
  await fs.writeFile(file, encodeModel(model));
  return file;
}

describe('ONNX models in (the shared 8-bit MobileNetV2 1.0)', { skip }, () => {
  const runtime = ort as OnnxRuntime;

  it('is found by registry name, .onnx file, folder and file:// URL, with the same identity', async () => {
    const cache = await tempDir();
    const refs = ['mobilenet_v2_100_224_int8', INT8, INT8_DIR, pathToFileURL(INT8).href];
    const identities = [];
    for (const ref of refs) {
      const resolved = await resolveModel(ref, {}, cache);
      assert.equal(resolved.format, 'onnx', ref);
      assert.equal(resolved.modelJson, INT8, ref);
      const { engine, identity } = await selectEngine('auto', resolved, cache);
      assert.equal(engine.name, 'onnxruntime');
      assert.deepEqual(identity.inputSize, [224, 224], 'input size read from the graph');
      identities.push(identity);
    }
    for (const identity of identities) assert.deepEqual(identity, identities[0]);
  });

  it('downloads an http(s) .onnx once, verifies it, and fetches a damaged copy again', async () => {
    let requests = 0;
    const server = http.createServer(async (_req, res) => {
      requests++;
      res.end(await fs.readFile(INT8));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models/mobilenet.onnx`;
      const cache = await tempDir();
      const options = { mean: MEAN, std: STD } as ResolvedModel['options'];
      const remote = await resolveModel(url, options, cache);
      assert.equal(remote.format, 'onnx');
      assert.deepEqual(await fs.readFile(remote.modelJson), await fs.readFile(INT8));
      await resolveModel(url, options, cache);
      assert.equal(requests, 1, 'the second use reads the download cache');
      await fs.writeFile(remote.modelJson, 'damaged');
      await resolveModel(url, options, cache);
      assert.equal(requests, 2, 'a damaged download is fetched again');
      const local = await selectEngine('auto', await resolveModel(INT8, options, cache), cache);
      assert.equal((await selectEngine('auto', remote, cache)).identity.fingerprint, local.identity.fingerprint, 'same content, same identity');
    } finally {
      server.close();
    }
  });

  it('cuts at the pooled classifier features by default, dequantized exactly as the graph stores them', async () => {
    const cache = await tempDir();
    const { engine } = await selectEngine('onnx', await resolveModel('mobilenet_v2_100_224_int8', {}, cache), cache);
    const extractor = await OnnxFeatureExtractor.load(engine.onnxFile!, [224, 224]);
    // The reference: the whole source graph with the tensor made an output, fed by hand-normalised NCHW floats.
    const source = decodeModel(await fs.readFile(INT8));
    const initializer = (name: string) => source.graph!.initializer!.find((t) => t.name === name)!;
    const scale = initializer('464_scale').floatData![0]!;
    const zero = initializer('464_zero_point').int32Data![0]!;
    const session = await runtime.InferenceSession.create(encodeModel(withOutputs(source, ['472_quantized', '627'])));
    for (const file of [...(await photos('ants', 2)), ...(await photos('bees', 2))]) {
      const pixels = await decodeImage(await fs.readFile(file), [224, 224], 'crop');
      const [features] = await extractor.extract([pixels]);
      const input = new Float32Array(3 * 224 * 224);
      for (let i = 0; i < 224 * 224; i++) for (let c = 0; c < 3; c++) input[c * 224 * 224 + i] = (pixels[i * 3 + c]! / 255 - MEAN[c]!) / STD[c]!;
      const result = await session.run({ input: new runtime.Tensor('float32', input, [1, 3, 224, 224]) });
      const quantized = result['472_quantized']!.data as Uint8Array;
      assert.equal(features!.length, 1280);
      const expected = Array.from(quantized, (q) => (q - zero) * scale);
      assert.ok(expected.some((v) => v > 0), 'the features are not all zero');
      for (let i = 0; i < 1280; i++) assert.ok(Math.abs(features![i]! - expected[i]!) < 1e-6, `${path.basename(file)} feature ${i}: ${features![i]} vs ${expected[i]}`);
    }
    await extractor.release();
    await session.release();
  });

  it('cuts at any named tensor, average-pooling a spatial map, and keys the cache on the cut and the preprocessing', async () => {
    const cache = await tempDir();
    const select = (options: ResolvedModel['options']) => resolveModel('mobilenet_v2_100_224_int8', options, cache).then((r) => selectEngine('onnx', r, cache));
    const byDefault = await select({});
    const inner = await select({ featureLayer: '627' });
    const otherNorm = await select({ mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    const stretched = await select({ resize: 'stretch' });
    const ranged = await select({ range: [0, 1] });
    assert.notEqual(ranged.identity.fingerprint, byDefault.identity.fingerprint, "a user's range replaces the registry's mean/std");
    assert.equal(ranged.identity.mean, undefined);
    assert.notEqual(inner.identity.fingerprint, byDefault.identity.fingerprint);
    assert.notEqual(otherNorm.identity.fingerprint, byDefault.identity.fingerprint);
    assert.notEqual(otherNorm.identity.preprocessId, byDefault.identity.preprocessId);
    assert.notEqual(stretched.identity.preprocessId, byDefault.identity.preprocessId);
    const source = decodeModel(await fs.readFile(INT8));
    const session = await runtime.InferenceSession.create(encodeModel(withOutputs(source, ['627'])));
    const extractor = await OnnxFeatureExtractor.load(inner.engine.onnxFile!, [224, 224]);
    const pixels = await decodeImage(await fs.readFile((await photos('bees', 1))[0]!), [224, 224], 'crop');
    const [features] = await extractor.extract([pixels]);
    const input = new Float32Array(3 * 224 * 224);
    for (let i = 0; i < 224 * 224; i++) for (let c = 0; c < 3; c++) input[c * 224 * 224 + i] = (pixels[i * 3 + c]! / 255 - MEAN[c]!) / STD[c]!;
    const map = (await session.run({ input: new runtime.Tensor('float32', input, [1, 3, 224, 224]) }))['627']!.data as Float32Array;
    assert.equal(features!.length, 1280);
    for (let c = 0; c < 1280; c++) {
      const mean = map.subarray(c * 49, (c + 1) * 49).reduce((a, b) => a + b, 0) / 49;
      assert.ok(Math.abs(features![c]! - mean) < 1e-4, `channel ${c}: ${features![c]} vs ${mean}`);
    }
    await extractor.release();
    await session.release();
  });

  it("a graph whose own tensors are named like the feature graph's contract (`pixels`, `features`) cuts and gives the same vectors", async () => {
    // Was: onnxruntime refused the cut graph ("Duplicate definition of name (features)").
    const renamed = await modified((model) => {
      const names: Record<string, string> = { input: 'pixels', '627': 'features' };
      const to = (name: string) => names[name] ?? name;
      for (const n of model.graph!.node!) {
        n.input = (n.input ?? []).map(to);
        n.output = (n.output ?? []).map(to);
      }
      for (const v of [...model.graph!.input!, ...model.graph!.output!, ...(model.graph!.valueInfo ?? [])]) v.name = to(v.name!);
    });
    const options = { mean: MEAN as [number, number, number], std: STD as [number, number, number], resize: 'crop' as const };
    const cache = await tempDir();
    const vectorsOf = async (model: string, featureLayer: string) => {
      const { engine } = await selectEngine('onnx', await resolveModel(model, { ...options, featureLayer }, cache), cache);
      const extractor = await OnnxFeatureExtractor.load(engine.onnxFile!, [224, 224]);
      const pixels = await decodeImage(await fs.readFile((await photos('ants', 1))[0]!), [224, 224], 'crop');
      const [vector] = await extractor.extract([pixels]);
      await extractor.release();
      return vector!;
    };
    const expected = await vectorsOf(INT8, '627');
    const got = await vectorsOf(renamed, 'features');
    assert.equal(got.length, 1280);
    assert.ok(expected.some((v) => v !== 0));
    assert.deepEqual(Array.from(got), Array.from(expected));
  });

  it('inspect lists candidate feature tensors with shapes and the default', async () => {
    const inspection = await inspectOnnxModel(await resolveModel('mobilenet_v2_100_224_int8', {}, await tempDir()));
    assert.deepEqual(inspection.input, { name: 'input', layout: 'nchw', size: [224, 224] });
    assert.equal(inspection.defaultFeature, '472_quantized');
    assert.equal(inspection.classifier, true);
    const byName = new Map(inspection.candidates.map((c) => [c.name, c]));
    assert.deepEqual(byName.get('627')?.dims, [1, 1280, 7, 7]);
    assert.deepEqual(byName.get('464_quantized'), { name: '464_quantized', type: 'uint8', dims: [1, 1280, 1, 1] });
    assert.deepEqual(byName.get('output')?.dims, [1, 1000]);
  });

  describe('bad input: one clear line each, before any work', () => {
    const attempt = async (file: string, options: ResolvedModel['options'] = { mean: MEAN as [number, number, number], std: STD as [number, number, number] }) => {
      const cache = await tempDir();
      return selectEngine('auto', await resolveModel(file, options, cache), cache);
    };
    const oneLine = (pattern: RegExp) => (error: Error) => {
      assert.match(error.message, pattern);
      assert.ok(!error.message.includes('\n'), error.message);
      return true;
    };

    it('a dynamic spatial size without modelOptions.inputSize (and with it, it works)', async () => {
      const file = await modified((m) => {
        const dims = m.graph!.input![0]!.type!.tensorType!.shape!.dim!;
        dims[2] = { dimParam: 'height' };
        dims[3] = { dimParam: 'width' };
      });
      await assert.rejects(attempt(file), oneLine(/input "input" has a dynamic height or width; set modelOptions\.inputSize/));
      const { identity } = await attempt(file, { mean: MEAN as [number, number, number], std: STD as [number, number, number], inputSize: [224, 224] });
      assert.deepEqual(identity.inputSize, [224, 224]);
    });

    it('an unknown tensor name lists the closest candidates', async () => {
      await assert.rejects(
        attempt(INT8, { mean: MEAN as [number, number, number], std: STD as [number, number, number], featureLayer: '472_quantised' }),
        oneLine(/no tensor named "472_quantised" \(modelOptions\.featureLayer\); closest: 472_quantized, /),
      );
    });

    it('several image inputs', async () => {
      const file = await modified((m) => m.graph!.input!.push({ ...m.graph!.input![0]!, name: 'second_image' }));
      await assert.rejects(attempt(file), oneLine(/the graph has 2 inputs \(input, second_image\); this tool feeds one image input/));
    });

    it('an operator onnxruntime refuses', async () => {
      const file = await modified((m) => {
        m.graph!.node!.find((n) => n.opType === 'QLinearGlobalAveragePool')!.opType = 'NoSuchPooling';
      });
      await assert.rejects(attempt(file), oneLine(/onnxruntime refuses the graph \(.*NoSuchPooling/));
    });

    it('a file that is not ONNX, and undeclared pixel scaling', async () => {
      const fake = path.join(await tempDir(), 'photo.onnx');
      await fs.copyFile((await photos('ants', 1))[0]!, fake);
      await assert.rejects(attempt(fake), oneLine(/photo\.onnx is not an ONNX model/));
      const copy = path.join(await tempDir(), 'model.onnx'); // outside the registry's folder: no declared options
      await fs.copyFile(INT8, copy);
      await assert.rejects(attempt(copy, {}), oneLine(/how pixels are scaled is not declared; set modelOptions\.range .* or modelOptions\.mean and std/));
    });

    it('a TF.js backend asked for an ONNX model', async () => {
      const cache = await tempDir();
      await assert.rejects(selectEngine('wasm', await resolveModel('mobilenet_v2_100_224_int8', {}, cache), cache), oneLine(/is an ONNX model: it runs on onnxruntime only; use --backend onnx or auto, not wasm/));
    });
  });

  it('builds on hymenoptera train/ and exports an ONNX classifier whose predictions give the build\'s test accuracy', async () => {
    const work = await tempDir();
    const imageDir = path.join(HYMENOPTERA, 'train');
    const config = resolveConfig({ imageDir, model: 'mobilenet_v2_100_224_int8', train: { steps: 500 }, seed: 0, cacheDir: path.join(work, 'cache'), outputDir: path.join(work, 'out') }, work);
    const result = await build(config);
    assert.equal(result.backend, 'onnxruntime');
    const files = await fs.readdir(path.join(work, 'out'));
    assert.ok(files.includes('model.onnx') && !files.includes('model.json'), files.join(', '));
    const classifier = await loadClassifier(path.join(work, 'out'));
    assert.equal(classifier.format, 'onnx');
    assert.deepEqual(classifier.manifest.onnx?.input, { name: 'pixels', type: 'uint8', shape: ['batch', 224, 224, 3], layout: 'NHWC', channels: 'RGB' });
    // The test set by the original's hash rule on the names, as the build split them.
    let correct = 0;
    let count = 0;
    for (const label of ['ants', 'bees']) {
      for (const name of (await fs.readdir(path.join(imageDir, label))).sort()) {
        if (setForPercent(bucketPercent(splitKey(name)), 10, 10) !== 'testing') continue;
        const [best] = await classifier.classify(await fs.readFile(path.join(imageDir, label, name)), 1);
        count++;
        if (best!.label === label) correct++;
      }
    }
    assert.equal(count, result.testCount);
    assert.equal(correct / count, result.testAccuracy);
  });
});

describe('both exports of a TF.js backbone', { skip: skip || (!existsSync(path.join(SHARED, 'models/mobilenet_v2_035_224/model.json')) && 'shared TF.js model not found') }, () => {
  it('hold a TF.js model and an ONNX classifier that agree on every photo; asking for a missing format is one line', async () => {
    const work = await tempDir();
    const images = path.join(work, 'images');
    for (const label of ['ants', 'bees'] as const) {
      await fs.mkdir(path.join(images, label), { recursive: true });
      for (const file of await photos(label, 8)) await fs.copyFile(file, path.join(images, label, path.basename(file)));
    }
    const out = path.join(work, 'out');
    await build(resolveConfig({ imageDir: images, model: path.join(SHARED, 'models/mobilenet_v2_035_224'), train: { steps: 200 }, seed: 0, cacheDir: path.join(work, 'cache'), outputDir: out }, work));
    const { initBackend } = await import('../src/engine/model/backend.js');
    await initBackend('auto');
    const tfjs = await loadClassifier(out, 'tfjs');
    const onnxModel = await loadClassifier(out, 'onnx');
    assert.equal((await loadClassifier(out)).format, 'tfjs', 'the TF.js model by default when there is one');
    assert.equal(onnxModel.manifest.onnx?.output, 'final_result');
    for (const label of ['ants', 'bees'] as const) {
      for (const file of await photos(label, 6)) {
        const bytes = await fs.readFile(file);
        const [a, b] = [await tfjs.classify(bytes, 2), await onnxModel.classify(bytes, 2)];
        assert.equal(a[0]!.label, b[0]!.label, path.basename(file));
        for (const p of a) assert.ok(Math.abs(p.score - b.find((q) => q.label === p.label)!.score) < 1e-4, `${path.basename(file)} ${p.label}`);
      }
    }
    const onnxOnly = path.join(work, 'onnx-only');
    await build(resolveConfig({ imageDir: images, model: 'mobilenet_v2_100_224_int8', train: { steps: 50 }, cacheDir: path.join(work, 'cache'), outputDir: onnxOnly }, work));
    await assert.rejects(loadClassifier(onnxOnly, 'tfjs'), /onnx-only: this export has no TF\.js model \(its backbone is an ONNX model\); use --format onnx$/);
  });
});

describe('retrain models inspect (the command)', { skip }, () => {
  it('prints the input, the default feature tensor and the candidates with shapes', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const bin = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/retrain.js');
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'models', 'inspect', INT8, '--cache-dir', await tempDir()]);
    assert.match(stdout, /^input input: NCHW, 224x224; outputs: output\n/);
    assert.match(stdout, /default feature tensor: 472_quantized \(the features feeding the classifier's last layer\)/);
    assert.match(stdout, /\n {2}627 +float32 +\[1, 1280, 7, 7\]\n/);
    assert.match(stdout, /\n {2}472_quantized +uint8 +\[1, 1280\] {2}<- default\n/);
  });
});
