import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { copySubset, HAS_SHARED, MODEL_DIR, REPO_ROOT, tempDir } from './helpers/shared.js';

const run = promisify(execFile);

describe('a worker that crashes or hangs on one image', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  it('is replaced, the image is reported, every other image is computed', async () => {
    const images = await copySubset(6);
    const work = await tempDir();
    const ants = path.join(images, 'ants');
    const [crashName, hangName] = (await fs.readdir(ants)).sort();
    const shaOf = async (name: string) => createHash('sha256').update(await fs.readFile(path.join(ants, name))).digest('hex');
    const args = [path.join(REPO_ROOT, 'bin/retrain.js'), 'build', '--json', '--image_dir', images, '--model', MODEL_DIR, '--steps', '50', '--cache-dir', path.join(work, 'cache'), '--output-dir', path.join(work, 'out')];
    const build = async (env: Record<string, string> = {}) => {
      const { stdout } = await run(process.execPath, args, { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
      return JSON.parse(stdout.trim().split('\n').at(-1)!) as { bottlenecksComputed: number; skipped: Array<{ file: string; reason: string }> };
    };

    const faulty = await build({
      RETRAIN_FAULT_INJECTION: JSON.stringify({ crash: (await shaOf(crashName!)).slice(0, 16), hang: (await shaOf(hangName!)).slice(0, 16) }),
      RETRAIN_WORKER_TIMEOUT_MS: '4000',
    });
    const reasons = Object.fromEntries(faulty.skipped.map((s) => [path.basename(s.file), s.reason]));
    assert.match(reasons[crashName!]!, /^bottleneck worker crashed on this image \(.*\); worker replaced$/);
    assert.equal(reasons[hangName!], 'bottleneck worker did not finish within 4 s on this image; worker replaced');
    assert.equal(faulty.skipped.length, 2);
    assert.equal(faulty.bottlenecksComputed, 10, 'the images sharing a batch with the faulty ones were computed too');

    // Without the fault: the hung image (a timeout can be a busy machine) is computed; the crash is remembered.
    const after = await build();
    assert.equal(after.bottlenecksComputed, 1);
    assert.deepEqual(after.skipped.map((s) => path.basename(s.file)), [crashName]);
  });
});
