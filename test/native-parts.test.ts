import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { open } from 'lmdb';
import { createBottleneckPool } from '../src/engine/worker-pool.js';
import { detectBackend, initBackend } from '../src/engine/model/backend.js';
import { selectEngine } from '../src/engine/feature-engine.js';
import { loadOnnxRuntime, onnxRuntimeVersion } from '../src/engine/onnx/onnx-runtime.js';
import { resolveModel } from '../src/engine/model/resolve-model.js';
import { HYMENOPTERA, MODEL_DIR, needsShared, tempDir } from './helpers/shared.js';

describe('native parts load', () => {
  it('sharp (libvips) decodes and resizes', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#ff0000' } }).png().toBuffer();
    const { info } = await sharp(png).resize(8, 8).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [8, 8, 3]);
  });

  it('lmdb opens an environment and round-trips a value', async () => {
    const db = open({ path: path.join(await tempDir(), 'x.lmdb') });
    await db.put('k', { v: 1 });
    assert.deepEqual(db.get('k'), { v: 1 });
    await db.close();
  });

  it('the WebAssembly backend initialises', async () => {
    assert.equal(await initBackend('wasm'), 'wasm');
  });

  it('auto picks tfjs-node exactly when it loads, else wasm', async () => {
    let nodeLoads = true;
    try {
      const name = '@tensorflow/tfjs-node';
      await import(name);
    } catch {
      nodeLoads = false;
    }
    assert.equal(await detectBackend('auto'), nodeLoads ? 'tensorflow' : 'wasm');
  });

  it('onnxruntime-node, when installed, loads its native binding', async (t) => {
    // CI sets RETRAIN_EXPECT_ONNXRUNTIME: there it must be installed (npm drops an optional package whose install fails).
    if (process.env.RETRAIN_EXPECT_ONNXRUNTIME) assert.ok(onnxRuntimeVersion(), 'onnxruntime-node is not installed: did npm drop it (see .npmrc)?');
    if (!onnxRuntimeVersion()) return t.skip('onnxruntime-node is not installed (an optional dependency)');
    const ort = await loadOnnxRuntime();
    assert.notEqual(typeof ort, 'string', `onnxruntime-node is installed but does not load: ${String(ort)}`);
  });

  it('auto computes bottlenecks with onnxruntime exactly when it loads', async (t) => {
    if (!needsShared(t)) return;
    const cacheDir = await tempDir();
    const { engine } = await selectEngine('auto', await resolveModel(MODEL_DIR, {}, cacheDir), cacheDir);
    const loads = typeof (await loadOnnxRuntime()) !== 'string';
    assert.equal(engine.name, loads ? 'onnxruntime' : await detectBackend('auto'));
  });

  for (const backend of ['wasm', 'onnx'] as const) {
    it(`a piscina worker thread runs the real model on a real photo (backend ${backend})`, async (t) => {
      if (!needsShared(t)) return;
      if (backend === 'onnx' && !onnxRuntimeVersion()) return t.skip('onnxruntime-node is not installed');
      const cacheDir = await tempDir();
      const model = await resolveModel(MODEL_DIR, {}, cacheDir);
      const { engine, identity } = await selectEngine(backend, model, cacheDir);
      const pool = createBottleneckPool(model, identity, engine, 1);
      try {
        const photo = path.join(HYMENOPTERA, 'train/ants', (await fs.readdir(path.join(HYMENOPTERA, 'train/ants')))[0]!);
        const result = await pool.run([new Uint8Array(await fs.readFile(photo))]);
        const outcome = result.outcomes[0]!;
        assert.ok('vector' in outcome, JSON.stringify(outcome));
        assert.equal(outcome.vector.length, 1280);
        assert.ok(outcome.vector.some((v) => v > 0) && outcome.vector.every(Number.isFinite));
      } finally {
        await pool.close();
      }
    });
  }
});
