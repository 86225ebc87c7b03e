/**
 * Start-up loads what a command needs: `--help` prints the help stored at build time and loads no package;
 * help yargs renders loads yargs and the option tables, not zod, the cache or an engine; a no-op rebuild does not load the queue (BullMQ, ioredis), the S3 SDK or piscina, which only a
 * build with --queue, a remote cache or bottlenecks to compute needs, nor cli-progress (only a progress bar on a
 * terminal needs it), nor sharp (only decoding needs it), nor
 * onnxruntime for a TF.js model whose converted graph is made, nor, for an unchanged ONNX model, onnxruntime and
 * protobufjs. Observed in a real `retrain` process
 * (an ES module hook and the CommonJS module cache record what it loaded), not timed: speed is for
 * `npm run bench` (BENCHMARKS.md "Start-up").
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { copySubset, HAS_SHARED, MODEL_DIR, REPO_ROOT, tempDir } from './helpers/shared.js';

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'bin/retrain.js');

/** A preload that writes, at exit, every module file the process loaded (ES modules through a hook, CommonJS from the cache). */
const PRELOAD = `
import fs from 'node:fs';
import { createRequire, register } from 'node:module';
const out = process.env.RETRAIN_LOADS_FILE;
register('data:text/javascript,' + encodeURIComponent(\`
import fs from 'node:fs';
export async function load(url, context, next) {
  fs.appendFileSync(\${JSON.stringify(out)}, url + '\\\\n');
  return next(url, context);
}\`));
process.on('exit', () => fs.appendFileSync(out, Object.keys(createRequire(import.meta.url).cache).join('\\n') + '\\n'));
`;

let work: string;
let preload: string;

async function loadsOf(args: string[]): Promise<{ stdout: string; packages: Set<string>; files: string[] }> {
  const file = path.join(work, `loads-${Math.random().toString(36).slice(2)}.txt`);
  const { stdout } = await run(process.execPath, ['--import', preload, BIN, ...args], {
    cwd: REPO_ROOT,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, CI: '1', RETRAIN_LOADS_FILE: file },
  });
  const lines = (await fs.readFile(file, 'utf8')).split('\n');
  // A package's package.json read for its version (onnxruntime-node's, TensorFlow.js's) is not the package loaded.
  const code = lines.filter((line) => !line.endsWith('/package.json'));
  const packages = new Set(code.flatMap((line) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line)?.[1] ?? []));
  return { stdout, packages, files: code.filter((line) => line !== '').map((line) => line.replace(/^file:\/\//, '')) };
}

function assertNotLoaded(packages: Set<string>, names: string[], what: string) {
  assert.ok(packages.size > 0, 'the preload recorded nothing: the check would pass without looking');
  const loaded = names.filter((name) => packages.has(name));
  assert.deepEqual(loaded, [], `${what} loaded ${loaded.join(', ')}`);
}

describe('start-up loads only what the command needs', () => {
  before(async () => {
    work = await tempDir('retrain-loads-');
    preload = path.join(work, 'record-loads.mjs');
    await fs.writeFile(preload, PRELOAD);
  });
  after(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  it('--help, -h, help, no arguments and COMMAND --help print the stored help: no yargs, no command module', async () => {
    for (const args of [['--help'], [], ['help'], ['build', '--help'], ['cache', '-h']]) {
      const { stdout, packages, files } = await loadsOf(args);
      assert.match(stdout, /^retrain /, `retrain ${args.join(' ')} printed help`);
      assert.ok(files.some((file) => file.endsWith('/dist/src/cli/stored-help.js')), 'the preload records the modules the bin loads');
      assert.deepEqual([...packages], [], `retrain ${args.join(' ')} loaded ${[...packages].join(', ')}`);
      assert.deepEqual(files.filter((file) => /\/dist\/src\//.test(file) && !file.endsWith('/dist/src/cli/stored-help.js')), [], `retrain ${args.join(' ')}: only stored-help.js`);
    }
  });

  it('help that yargs renders (--help with another flag) loads yargs, not zod, the cache, the queue, the S3 SDK, piscina or an engine', async () => {
    const { stdout, packages } = await loadsOf(['--help', '--config', 'retrain.config.ts']);
    assert.match(stdout, /retrain build/);
    assert.ok(packages.has('yargs'), 'yargs is recorded (the preload sees what loads)');
    assertNotLoaded(packages, ['zod', 'lmdb', 'jiti', 'bullmq', 'ioredis', '@aws-sdk/client-s3', 'piscina', 'sharp', 'onnxruntime-node', '@tensorflow/tfjs-core'], '--help');
  });

  it('a no-op rebuild loads neither the queue, the S3 SDK nor piscina', { skip: !HAS_SHARED && 'shared models/data sets not found' }, async () => {
    const images = await copySubset(3, 'train', path.join(work, 'images'));
    const args = ['build', '--image-dir', images, '--model', MODEL_DIR, '--steps', '5', '--cache-dir', path.join(work, 'cache'), '--output-dir', path.join(work, 'out')];
    const cold = await loadsOf(args);
    assert.ok(cold.packages.has('piscina'), 'the first build computes bottlenecks in piscina workers');
    assert.ok(cold.packages.has('sharp'), 'the first build decodes the images with sharp');
    const { stdout, packages } = await loadsOf(args);
    assert.match(stdout, /0 bottlenecks computed.*head up to date; model up to date/);
    assert.ok(packages.has('lmdb') && packages.has('zod'), 'the rebuild reads the cache and checks the config');
    // The image suffixes come from src/images/sharp-formats.ts: listing them loads no sharp.
    // The TF.js model's converted graph is on record: --backend auto picks onnxruntime without loading it.
    assert.match(stdout, /backend: onnxruntime/);
    assertNotLoaded(packages, ['bullmq', 'ioredis', '@aws-sdk/client-s3', 'piscina', 'sharp', 'onnxruntime-node', 'cli-progress'], 'a no-op rebuild');
  });

  it('a no-op rebuild with an unchanged ONNX model (the example\'s) loads neither onnxruntime-node nor protobufjs', { skip: !HAS_SHARED && 'shared models/data sets not found' }, async () => {
    const images = await copySubset(3, 'train', path.join(work, 'onnx-images'));
    // The example config's model: the shared 8-bit ONNX MobileNetV2.
    const args = ['build', '--image-dir', images, '--steps', '5', '--cache-dir', path.join(work, 'onnx-cache'), '--output-dir', path.join(work, 'onnx-out')];
    const cold = await loadsOf(args);
    assert.ok(cold.packages.has('onnxruntime-node') && cold.packages.has('protobufjs'), 'the first build cuts the graph');
    const { stdout, packages } = await loadsOf(args);
    assert.match(stdout, /backend: onnxruntime/);
    assert.match(stdout, /0 bottlenecks computed.*head up to date; model up to date/);
    assertNotLoaded(packages, ['onnxruntime-node', 'onnxruntime-common', 'onnx-proto', 'protobufjs', 'piscina', 'sharp', 'cli-progress'], 'a no-op rebuild with an ONNX model');
  });
});
