import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { isModelPath } from '../src/config/model-reference.js';
import { REPO_ROOT, SHARED, tempDir } from './helpers/shared.js';

const run = promisify(execFile);
const INT8 = path.join(SHARED, 'models/mobilenet_v2_100_224_int8/model.onnx');

// Before the fix `retrain models inspect mnet.onnx` (or `build --model mnet.onnx`) in the folder holding the
// file said `unknown model "mnet.onnx": use one of …, an .onnx file, or a URL`: a bare file name was taken for
// a registry name.
describe('a model named by a bare file name', () => {
  it('is a path, not a registry name', () => {
    assert.equal(isModelPath('mnet.onnx'), true);
    assert.equal(isModelPath('model.json'), true);
    assert.equal(isModelPath('mobilenet_v2_035_224'), false);
  });

  it('retrain models inspect mnet.onnx reads the file in the working folder', async (t) => {
    try {
      await fs.access(INT8);
    } catch {
      t.skip(`${INT8} not found (set RETRAIN_SHARED)`);
      return;
    }
    const dir = await tempDir();
    await fs.symlink(INT8, path.join(dir, 'mnet.onnx'));
    const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), 'models', 'inspect', 'mnet.onnx'], { cwd: dir });
    assert.match(stdout, /^default feature tensor: /m);
  });
});
