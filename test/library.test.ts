import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { build, defineConfig, resolveConfig } from '../src/index.js';
import { copySubset, MODEL_DIR, needsShared, tempDir } from './helpers/shared.js';

const EVENTS = ['unhandledRejection', 'uncaughtException', 'exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'warning'] as const;

/** What a library call must leave as it found it in the caller's process. */
function processState() {
  return {
    listeners: Object.fromEntries(EVENTS.map((event) => [event, process.listenerCount(event)])),
    env: JSON.stringify(process.env),
    exitCode: process.exitCode,
    cwd: process.cwd(),
    tfBackend: tf.getBackend(),
    tfProd: tf.env().getBool('PROD'),
  };
}

describe('the library', () => {
  it('resolveConfig validates, with one line naming the field', () => {
    assert.throws(() => resolveConfig(defineConfig({ imageDir: 'x', train: { steps: 'many' as unknown as number } }), '/'), /config: invalid config: train\.steps/);
    assert.equal(resolveConfig(defineConfig({ imageDir: 'photos' }), '/work').imageDirs[0], path.join('/work', 'photos'));
  });

  it('build() changes no process-wide state: listeners, environment, exit code, TF.js backend', { timeout: 600_000 }, async (t) => {
    if (!needsShared(t)) return;
    // The caller uses TF.js itself, on the CPU backend; the build trains with head options and exports,
    // both on TF.js (wasm or tfjs-node), in this thread.
    await tf.setBackend('cpu');
    const before = processState();
    const work = await tempDir();
    const images = await copySubset(4);
    const config = resolveConfig(
      defineConfig({
        imageDir: images,
        model: MODEL_DIR,
        train: { steps: 10 },
        head: { optimizer: 'adam' },
        workers: 1,
        cacheDir: path.join(work, 'cache'),
        outputDir: path.join(work, 'out'),
      }),
      work,
    );
    const result = await build(config);
    assert.equal(result.trained, true);
    assert.equal(result.exported, true);
    const after = processState();
    // Two effects of libraries, not of ours, are allowed: LMDB keeps one process 'exit' hook (to flush its
    // environments), and libvips (sharp) sets VIPSHOME when it starts.
    assert.ok(after.listeners.exit - before.listeners.exit <= 1, 'at most LMDB\'s exit hook');
    after.listeners.exit = before.listeners.exit;
    after.env = JSON.stringify({ ...JSON.parse(after.env), VIPSHOME: undefined });
    before.env = JSON.stringify({ ...JSON.parse(before.env), VIPSHOME: undefined });
    assert.deepEqual(after, before);
  });
});
