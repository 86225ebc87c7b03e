import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { REPO_ROOT, SHARED, copySubset, needsShared, tempDir } from './helpers/shared.js';

const run = promisify(execFile);
const retrain = (args: string[], cwd: string) => run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), ...args], { cwd });

// Before the fix a 0-byte model.onnx in an export made `retrain predict` print onnxruntime's C++ signature
// (`… failed:/onnxruntime_src/onnxruntime/core/graph/model.cc:187 onnxruntime::Model::Model(onnx::ModelProto&&, …)
// ModelProto does not have a graph.`), and a deleted one `… File doesn't exist`.
describe('retrain predict on an export whose model.onnx is empty or gone', () => {
  it('says so in one short line naming the file', async (t) => {
    if (!needsShared(t)) return;
    const dir = await tempDir();
    const images = await copySubset(4, 'train', path.join(dir, 'images'));
    const photo = path.join(images, 'ants', (await fs.readdir(path.join(images, 'ants')))[0]!);
    const model = path.join(SHARED, 'models/mobilenet_v2_100_224_int8');
    await retrain(['build', '--image-dir', images, '--model', model, '--steps', '5', '--workers', '1'], dir);
    const onnx = path.join(dir, 'retrain-output/model.onnx');
    for (const [damage, words] of [['empty', 'empty \\(0 bytes\\)'], ['gone', 'missing']] as const) {
      if (damage === 'empty') await fs.writeFile(onnx, '');
      else await fs.rm(onnx);
      const failure = await retrain(['predict', '--format', 'onnx', photo], dir).then(
        () => assert.fail('predict succeeded'),
        (error: { code: number; stderr: string }) => error,
      );
      assert.equal(failure.code, 1);
      assert.equal(failure.stderr.trim().split('\n').length, 1, failure.stderr);
      assert.match(failure.stderr, new RegExp(`^error: ${onnx.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ${words}; rebuild the model with retrain build$`, 'm'));
    }
  });
});
