import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT, tempDir } from './helpers/shared.js';

const BIN = path.join(REPO_ROOT, 'bin/retrain.js');

/** `retrain predict -` (an image on standard input, as many tools take it): yargs gave no image, and predict printed nothing and exited 0. */
describe('retrain predict -', () => {
  it('is refused in one line with exit code 2, before any model is loaded', async () => {
    const cwd = await tempDir('retrain-predict-stdin-');
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [BIN, 'predict', '-'], { cwd, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end('not read');
    });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr.split('\n')[0]!, /^error: predict -: images are read from files, not from standard input; name image files$/);
  });
});
