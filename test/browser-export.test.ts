/**
 * The exported model where users deploy it: the ONNX classifier in onnxruntime-web and the TF.js export in
 * TensorFlow.js, both in a real headless Chromium served from localhost, and the examples/browser page.
 * Scores must match `retrain predict` (the same code as loadClassifier) on the same pixels.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeImage } from '../src/images/decode-image.js';
import { resolveConfig } from '../src/config/resolved-config.js';
import { initBackend } from '../src/engine/model/backend.js';
import { build } from '../src/pipeline/build.js';
import { loadClassifier, type Classifier } from '../src/export/load-classifier.js';
import { loadOnnxRuntime } from '../src/engine/onnx/onnx-runtime.js';
import { copySubset, HAS_SHARED, HYMENOPTERA, MODEL_DIR, REPO_ROOT, SHARED, tempDir } from './helpers/shared.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const INT8 = path.join(SHARED, 'models/mobilenet_v2_100_224_int8/model.onnx');
const ORT_WEB = path.join(REPO_ROOT, 'node_modules/onnxruntime-web/dist');
const TFJS = ['tfjs-core/dist/tf-core.min.js', 'tfjs-backend-cpu/dist/tf-backend-cpu.min.js', 'tfjs-layers/dist/tf-layers.min.js'];
const ort = await loadOnnxRuntime();
const skip = !HAS_SHARED || !existsSync(INT8)
  ? `shared models/data sets not found at ${SHARED} (set RETRAIN_SHARED)`
  : !existsSync(CHROMIUM)
    ? `no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium)`
    : typeof ort === 'string'
      ? `onnxruntime-node does not load: ${ort}`
      : false;

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

describe('exported models in a real headless Chromium', { skip }, () => {
  let server: http.Server;
  let base: string;
  const routes = new Map<string, string>();
  let photos: string[];
  const exports: Record<'float' | 'int8', string> = { float: '', int8: '' };
  let browser: import('playwright-core').Browser;

  before(async () => {
    const images = await copySubset(12);
    const work = await tempDir();
    for (const [kind, model] of [['float', MODEL_DIR], ['int8', 'mobilenet_v2_100_224_int8']] as const) {
      exports[kind] = path.join(work, kind);
      await build(resolveConfig({ imageDir: images, model, train: { steps: 200 }, seed: 0, cacheDir: path.join(work, 'cache'), outputDir: exports[kind] }, work));
    }
    const val = (label: string) => path.join(HYMENOPTERA, 'val', label);
    photos = [
      ...(await fs.readdir(val('ants'))).sort().slice(0, 3).map((n) => path.join(val('ants'), n)),
      ...(await fs.readdir(val('bees'))).sort().slice(0, 3).map((n) => path.join(val('bees'), n)),
    ];
    routes.set('/ort/', ORT_WEB);
    routes.set('/examples/browser/ort/', ORT_WEB);
    routes.set('/examples/browser/', path.join(REPO_ROOT, 'examples/browser'));
    routes.set('/float/', exports.float);
    routes.set('/int8/', exports.int8);
    routes.set('/photos/', path.dirname(photos[0]!));
    routes.set('/tfjs/', path.join(REPO_ROOT, 'node_modules/@tensorflow'));
    server = http.createServer(async (req, res) => {
      const url = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
      if (url === '/blank.html') return res.end('<!doctype html><title>blank</title>');
      const prefix = [...routes.keys()].sort((a, b) => b.length - a.length).find((p) => url.startsWith(p));
      const file = prefix && path.join(routes.get(prefix)!, url.slice(prefix.length));
      try {
        const body = await fs.readFile(file!);
        res.setHeader('content-type', TYPES[path.extname(file!)] ?? 'application/octet-stream');
        res.end(body);
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });

  /** Node's predictions (what `retrain predict` prints) and the pixels they were made from, per photo. */
  async function nodePredictions(classifier: Classifier) {
    const [h, w] = classifier.manifest.input.size;
    return Promise.all(
      photos.map(async (file) => {
        const bytes = await fs.readFile(file);
        return { pixels: Array.from(await decodeImage(bytes, [h, w], classifier.manifest.input.resize)), predictions: await classifier.classify(bytes, 2) };
      }),
    );
  }

  function assertSame(browserScores: Array<Array<{ label: string; score: number }>>, expected: Array<{ predictions: Array<{ label: string; score: number }> }>, tolerance: number) {
    assert.equal(browserScores.length, expected.length);
    browserScores.forEach((got, i) => {
      const want = expected[i]!.predictions;
      assert.equal(got[0]!.label, want[0]!.label, `${path.basename(photos[i]!)}: top-1`);
      for (const p of want) {
        const score = got.find((g) => g.label === p.label)!.score;
        assert.ok(Math.abs(score - p.score) <= tolerance, `${path.basename(photos[i]!)} ${p.label}: browser ${score} vs node ${p.score}`);
      }
    });
  }

  /** Runs the example page's classifyPixels on each photo's pixels in onnxruntime-web. */
  async function inOnnxRuntimeWeb(modelPath: string, inputs: Array<{ pixels: number[] }>) {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${base}/examples/browser/index.html?model=${modelPath}`);
    const scores = await page.evaluate(async (all) => {
      const api = (window as unknown as { retrain: { ready: Promise<unknown>; classifyPixels(p: Uint8Array, k: number): Promise<Array<{ label: string; score: number }>> } }).retrain;
      await api.ready;
      const out = [];
      for (const pixels of all) out.push(await api.classifyPixels(Uint8Array.from(pixels), 2));
      return out;
    }, inputs.map((i) => i.pixels));
    await page.close();
    assert.deepEqual(errors, []);
    return scores;
  }

  it('the ONNX export of a float backbone in onnxruntime-web matches retrain predict to 1e-4', async () => {
    const expected = await nodePredictions(await loadClassifier(exports.float, 'onnx'));
    assertSame(await inOnnxRuntimeWeb('/float/', expected), expected, 1e-4);
  });

  it('the ONNX export of the 8-bit backbone in onnxruntime-web gives the same labels and scores', async () => {
    const expected = await nodePredictions(await loadClassifier(exports.int8, 'onnx'));
    assertSame(await inOnnxRuntimeWeb('/int8/', expected), expected, 1e-4);
  });

  it('the TF.js export in TensorFlow.js matches retrain predict to 1e-4', async () => {
    await initBackend('auto');
    const expected = await nodePredictions(await loadClassifier(exports.float, 'tfjs'));
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${base}/blank.html`);
    for (const script of TFJS) await page.addScriptTag({ url: `${base}/tfjs/${script}` });
    const scores = await page.evaluate(
      async ({ all, size }) => {
        const tf = (window as unknown as { tf: any }).tf;
        await tf.setBackend('cpu');
        const manifest = await (await fetch('/float/manifest.json')).json();
        const model = await tf.loadLayersModel('/float/model.json');
        return all.map((pixels) => {
          const probs = model.predict(tf.tensor4d(Float32Array.from(pixels), [1, size[0], size[1], 3])).dataSync() as Float32Array;
          return Array.from(probs, (score, i) => ({ label: manifest.labels[i] as string, score })).sort((a, b) => b.score - a.score);
        });
      },
      { all: expected.map((e) => e.pixels), size: (await loadClassifier(exports.float, 'tfjs')).manifest.input.size },
    );
    await page.close();
    assert.deepEqual(errors, []);
    assertSame(scores, expected, 1e-4);
  });

  it('examples/browser classifies a chosen image file like retrain predict', async () => {
    const classifier = await loadClassifier(exports.int8, 'onnx');
    const page = await browser.newPage();
    await page.goto(`${base}/examples/browser/index.html?model=/int8/`);
    await page.evaluate(() => (window as unknown as { retrain: { ready: Promise<unknown> } }).retrain.ready.then(() => undefined));
    assert.match((await page.textContent('#status'))!, /^Model ready: ants, bees/);
    for (const photo of [photos[0]!, photos[5]!]) {
      const [expected] = await classifier.classify(await fs.readFile(photo), 1);
      await page.setInputFiles('#file', photo);
      await page.waitForFunction(() => document.getElementById('results')!.dataset.top !== undefined, undefined, { polling: 100, timeout: 60_000 });
      const top = await page.$eval('#results', (list) => (list as HTMLElement).dataset.top);
      assert.equal(top, expected!.label, path.basename(photo));
      assert.equal(await page.$$eval('#results li', (items) => items.length), 2);
      await page.$eval('#results', (list) => delete (list as HTMLElement).dataset.top);
    }
    await page.close();
  });
});
