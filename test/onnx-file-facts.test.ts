/**
 * The ONNX model's facts on record (onnx-file-facts.ts): a rebuild with the model unchanged does not read it
 * again nor load onnxruntime, and gets the same identity; a model file changed in place (new mtime) is read
 * again, never answered from the record.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveModel } from '../src/engine/model/resolve-model.js';
import { prepareOnnxModel } from '../src/engine/onnx/onnx-source.js';
import { loadOnnxRuntime, type OnnxRuntime } from '../src/engine/onnx/onnx-runtime.js';
import { SHARED, tempDir } from './helpers/shared.js';

const INT8 = path.join(SHARED, 'models/mobilenet_v2_100_224_int8/model.onnx');
const ort = await loadOnnxRuntime();
const skip = !existsSync(INT8) ? `shared ONNX model not found at ${INT8} (set RETRAIN_SHARED)` : typeof ort === 'string' ? `onnxruntime-node does not load: ${ort}` : false;
const OPTIONS = { mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };

describe('ONNX model facts on record', { skip }, () => {
  let work: string;
  before(async () => {
    work = await tempDir('retrain-onnx-facts-');
  });
  after(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  it('an unchanged model is neither read nor given to onnxruntime again; a changed one is read again', async () => {
    const model = path.join(work, 'model.onnx');
    await fs.copyFile(INT8, model);
    // A whole-second mtime, so that it can be set back exactly below.
    const mtime = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    await fs.utimes(model, mtime, mtime);
    const cacheDir = path.join(work, 'cache');
    const resolved = await resolveModel(model, OPTIONS, cacheDir);
    let loads = 0;
    const loadOrt = async () => {
      loads++;
      return ort as OnnxRuntime;
    };
    const first = await prepareOnnxModel(resolved, loadOrt, cacheDir);
    assert.equal(loads, 1, 'the first preparation cuts the graph with onnxruntime');
    assert.ok((await fs.readdir(path.join(cacheDir, 'onnx'))).some((f) => f.startsWith('facts-')), 'the facts are recorded');

    const again = await prepareOnnxModel(resolved, loadOrt, cacheDir);
    assert.deepEqual(again, first);
    assert.equal(loads, 1, 'a rebuild with the cut made does not load onnxruntime');

    // Other bytes in the same file with the same size and mtime: what the record trusts (as the stat cache
    // does for images), so the answer comes from the record: the file is not read (it is no ONNX model now).
    const bytes = await fs.readFile(model);
    await fs.writeFile(model, Buffer.alloc(bytes.length, 7));
    await fs.utimes(model, mtime, mtime);
    assert.deepEqual(await prepareOnnxModel(resolved, loadOrt, cacheDir), first, 'answered from the record, without reading the file');

    // A new mtime: read again, and refused, not taken from the record.
    const later = new Date(mtime.getTime() + 5_000);
    await fs.utimes(model, later, later);
    await assert.rejects(prepareOnnxModel(resolved, loadOrt, cacheDir), /is not an ONNX model/);

    // The model back: read again, the same identity and cut as the first time, the cut still on disk.
    await fs.writeFile(model, bytes);
    assert.deepEqual(await prepareOnnxModel(resolved, loadOrt, cacheDir), first);
    assert.equal(loads, 1);
  });
});
