import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { plainUsageMessage } from '../src/cli/main.js';
import { REPO_ROOT, tempDir } from './helpers/shared.js';

const run = promisify(execFile);

async function retrain(args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), ...args], { cwd });
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

// Before the fix: `--format xyz` printed `Invalid values:\n  Argument: format, Given: "xyz", Choices: …` (an
// escaped newline), `predict` with no image `Not enough non-option arguments: got 0, need at least 1`, and
// `predict --model missing x.jpg` `not a retrain model folder (manifest.json: ENOENT: no such file …)`.
describe('usage and model-folder messages are one plain line', () => {
  it('a value not among the choices names the flag, the value and the choices', () => {
    const message = plainUsageMessage('Invalid values:\n  Argument: format, Given: "xyz", Choices: "tfjs", "onnx"', ['predict', '--format', 'xyz']);
    assert.equal(message, '--format xyz: must be one of tfjs, onnx');
  });

  it('predict with no image says to name one', () => {
    assert.equal(plainUsageMessage('Not enough non-option arguments: got 0, need at least 1', ['predict']), 'predict: name at least one image file');
  });

  it('predict with a missing model folder: no errno text, says what to do', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'x.jpg'), 'x');
    const { code, stderr } = await retrain(['predict', '--model', 'missing', 'x.jpg'], dir);
    assert.equal(code, 1);
    assert.doesNotMatch(stderr, /ENOENT/);
    assert.match(stderr, /no such model folder; build one with retrain build/);
    assert.equal(stderr.trim().split('\n').length, 1);
  });

  it('--backend xyz on the command line: one line, exit 2', async () => {
    const { code, stderr } = await retrain(['build', '--backend', 'xyz'], await tempDir());
    assert.equal(code, 2);
    assert.match(stderr, /^error: --backend xyz: must be one of auto, onnx, node, wasm, cpu$/m);
    assert.doesNotMatch(stderr, /\\n|Invalid values/);
  });
});

// Before the fix `retrain build --steps` trained with the config's steps without a word, and `--image-dir`
// with no value scanned the working folder.
describe('a config flag given without a value', () => {
  it('is refused, naming the flag as typed (exit 2)', async () => {
    const dir = await tempDir();
    for (const flag of ['--steps', '--how_many_training_steps', '--image-dir']) {
      const { code, stderr } = await retrain(['build', flag], dir);
      assert.equal(code, 2, flag);
      assert.match(stderr, new RegExp(`^error: ${flag}: needs a value`, 'm'));
    }
  });
});

// Before the fix `retrain watch --queue` (no value) watched without a queue, and build and experiment built
// without one, all without a word (yargs made the value '').
describe('--queue given without a value', () => {
  it('is refused in one line naming --queue and what it takes (exit 2)', async () => {
    const dir = await tempDir();
    for (const command of ['build', 'watch', 'experiment']) {
      const { code, stderr } = await retrain([command, '--queue'], dir);
      assert.equal(code, 2, `${command}: ${stderr}`);
      assert.equal(stderr, 'error: --queue: needs a value (redis://host:port of the Redis the `retrain worker`s take jobs from)\n', command);
    }
  });
});

// Before the fix `retrain cache foo` said `--action foo: must be one of …` (a flag nobody typed), and
// `retrain build --stpes 10` said `Unknown argument: stpes` with no dash and no suggestion.
describe('a misspelt flag or a wrong sub-command word', () => {
  it('a wrong positional is named by its command, not as a flag', () => {
    const message = plainUsageMessage('Invalid values:\n  Argument: action, Given: "foo", Choices: "stats", "verify", "gc"', ['cache', 'foo']);
    assert.equal(message, 'cache foo: must be one of stats, verify, gc');
  });

  it('an unknown flag is named as typed, with the closest known flag', () => {
    const known = ['config', 'steps', 'how_many_training_steps', 'learning-rate', 'learningRate'];
    assert.equal(plainUsageMessage('Unknown arguments: stpes, lr', ['build', '--stpes=10', '--lr', '3'], known), '--stpes: unknown flag (did you mean --steps?); --lr: unknown flag (see retrain build --help)');
    assert.equal(plainUsageMessage('Unknown arguments: learning-rat, learningRat', ['build', '--learning-rat', '0.1'], known), '--learning-rat: unknown flag (did you mean --learning-rate?)');
  });

  it('on the command line: one line, exit 2', async () => {
    const dir = await tempDir();
    const misspelt = await retrain(['build', '--stpes', '10'], dir);
    assert.equal(misspelt.code, 2);
    assert.match(misspelt.stderr, /^error: --stpes: unknown flag \(did you mean --steps\?\)$/m);
    const cache = await retrain(['cache', 'foo'], dir);
    assert.equal(cache.code, 2);
    assert.match(cache.stderr, /^error: cache foo: must be one of stats, verify, gc$/m);
  });
});

// Before the fix `retrain build --help` described --model as "registry name, folder, file:// or http(s) URL of
// model.json": the ONNX files the main job uses were not mentioned.
describe('retrain build --help', () => {
  it('says --model takes an ONNX file or folder', async () => {
    const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), 'build', '--help'], { cwd: await tempDir() });
    assert.match(stdout.replace(/\s+/g, ' '), /--model, --tfhub_module Feature extractor: registry name, folder \(model\.json or model\.onnx\), \.onnx file/);
  });
});
