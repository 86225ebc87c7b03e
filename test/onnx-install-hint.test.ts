import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { copySubset, HAS_SHARED, REPO_ROOT, tempDir } from './helpers/shared.js';

const run = promisify(execFile);

describe('onnxruntime-node missing', () => {
  it('the hint gives an install command that works with only the npm registry reachable (the package\'s own script downloads CUDA parts)', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, async () => {
    // The tool as installed without onnxruntime-node: its files and every other package linked into a temp folder,
    // resolved there (--preserve-symlinks), so the import of onnxruntime-node really fails.
    const tool = await tempDir('retrain-no-ort-');
    await fs.symlink(path.join(REPO_ROOT, 'dist'), path.join(tool, 'dist'));
    await fs.symlink(path.join(REPO_ROOT, 'bin'), path.join(tool, 'bin'));
    await fs.symlink(path.join(REPO_ROOT, 'package.json'), path.join(tool, 'package.json'));
    await fs.mkdir(path.join(tool, 'node_modules'));
    for (const name of await fs.readdir(path.join(REPO_ROOT, 'node_modules'))) {
      if (name !== 'onnxruntime-node' && name !== '.bin') await fs.symlink(path.join(REPO_ROOT, 'node_modules', name), path.join(tool, 'node_modules', name));
    }
    const dir = await tempDir('retrain-ort-hint-');
    await copySubset(1, 'train', path.join(dir, 'images'));
    await fs.writeFile(path.join(dir, 'model.onnx'), 'an onnx model');
    const outcome = await run(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', path.join(tool, 'bin/retrain.js'), 'build', '--image-dir', 'images', '--model', 'model.onnx'], { cwd: dir }).then(
      () => assert.fail('should fail without onnxruntime-node'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(outcome.code, 1);
    const line = outcome.stderr.trim().split('\n').at(-1)!;
    assert.match(line, /needs onnxruntime-node, which does not load here/);
    const command = /install it with `([^`]+)`/.exec(line)?.[1];
    assert.ok(command, line);
    assert.equal(command, 'ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node');

    // The command in an empty project, from npm's cache where it can (--prefer-offline: `npm ci` caches the tarball but
    // not the registry's package document, so --offline fails on a fresh machine): installs a runtime that loads.
    const project = await tempDir('retrain-ort-install-');
    await fs.writeFile(path.join(project, 'package.json'), '{ "name": "p", "version": "1.0.0" }\n');
    try {
      await run('sh', ['-c', `${command} --prefer-offline --no-audit --no-fund`], { cwd: project });
      const { stdout } = await run(process.execPath, ['-e', "require('onnxruntime-node').InferenceSession.create && console.log('loads')"], { cwd: project });
      assert.equal(stdout.trim(), 'loads');
    } finally {
      await fs.rm(project, { recursive: true, force: true }); // ~290 MB of onnxruntime binaries per run
    }
  });
});
