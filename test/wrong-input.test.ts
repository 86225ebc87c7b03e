import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { before, describe, it } from 'node:test';
import { scanImageDirs } from '../src/images/scan-image-dirs.js';
import { HAS_SHARED, MODEL_DIR, REPO_ROOT, copySubset, tempDir } from './helpers/shared.js';

const run = promisify(execFile);

/** A real `retrain` process: its exit code, stdout and stderr. */
async function retrain(args: string[], cwd: string, timeout = 0): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), ...args], { cwd, maxBuffer: 16 * 1024 * 1024, timeout });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const lines = (text: string) => text.trim().split('\n').filter(Boolean);

// Before the fix: `models inspect` alone printed `error: models inspect: name a model (…)` with exit code 1, not
// how to call it; usage errors exit 2.
describe('retrain models inspect with no model', () => {
  it('is one usage line, exit 2', async () => {
    const { code, stderr } = await retrain(['models', 'inspect'], await tempDir());
    assert.equal(code, 2);
    assert.equal(lines(stderr).length, 1, stderr);
    assert.match(stderr, /^error: models inspect: name a model: retrain models inspect MODEL \(a registry name from `retrain models`, an \.onnx file, a folder or a URL\)$/m);
  });
});

// Before the fix: `audit --top 0` and `--top -1` showed one entry per list and `--top abc` none, all with exit 0
// (predict refuses the same values).
describe('retrain audit --top out of range', () => {
  it('is one line naming the flag and the value, exit 2, before any work', async () => {
    for (const value of ['0', '-1', 'abc', '2.5']) {
      const { code, stderr } = await retrain(['audit', '--top', value], await tempDir());
      assert.equal(code, 2, stderr);
      assert.match(stderr, new RegExp(`^error: --top ${value.replace('.', '\\.')}: must be a whole number, at least 1`, 'm'), stderr);
    }
  });
});

// Before the fix: `model "…/shared/models/x": …/shared/models/x/model.json not found (nor model.onnx)`, as if the
// folder were there without its file (what a new user without ../shared saw from the example config).
describe('a model path that does not exist', () => {
  it('is one line saying there is no such folder and what --model takes', async () => {
    const dir = path.join(await tempDir(), 'project');
    await fs.mkdir(dir);
    const { code, stderr } = await retrain(['models', 'inspect', '../shared/models/mobilenet_v2_100_224_int8'], dir);
    assert.equal(code, 1);
    assert.equal(lines(stderr).length, 1, stderr);
    const missing = path.resolve(dir, '../shared/models/mobilenet_v2_100_224_int8');
    assert.equal(stderr, `error: model "../shared/models/mobilenet_v2_100_224_int8": no such folder ${missing}; give --model a folder with model.json or model.onnx, an .onnx file, or a registry name (retrain models lists them)\n`);
  });
});

// Before the fix: a --models-dir or RETRAIN_MODELS_DIR folder that is not there was passed over without a word for
// ../shared/models (a mistyped folder built with whatever model of that name was found there).
describe('a models folder that does not exist', () => {
  it('is one line naming --models-dir or RETRAIN_MODELS_DIR and the path', async () => {
    const dir = await tempDir();
    const missing = path.join(dir, 'nonexistent');
    for (const args of [['build', '--image-dir', dir], ['status', '--image-dir', dir], ['models'], ['models', 'inspect', 'mobilenet_v2_035_224']]) {
      const flagged = await retrain([...args, '--models-dir', missing], dir);
      assert.equal(flagged.code, 2, `${args.join(' ')}: ${flagged.stderr}`);
      assert.equal(lines(flagged.stderr).length, 1, flagged.stderr);
      assert.equal(lines(flagged.stderr)[0], `error: --models-dir ${missing}: no such folder; give the folder that holds the model folders (such as mobilenet_v2_035_224/)`);
    }
    const env = await run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), 'build', '--image-dir', dir], { cwd: dir, env: { ...process.env, RETRAIN_MODELS_DIR: missing } }).then(
      () => assert.fail('built'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(env.code, 1);
    assert.equal(env.stderr, `error: RETRAIN_MODELS_DIR=${missing}: no such folder; give the folder that holds the model folders (such as mobilenet_v2_035_224/)\n`);
  });
});

// Before the fix: `modelsDir` in a config file naming a folder that is not there was passed over without a word for
// ../shared/models (status said "everything is up to date" with the model found there), as --models-dir was.
describe('a modelsDir in the config file that does not exist', () => {
  it('is one line naming the config file, modelsDir and the path', async () => {
    const dir = await tempDir();
    const config = path.join(dir, 'retrain.config.json');
    await fs.writeFile(config, JSON.stringify({ imageDir: 'photos', modelsDir: 'nonexistent' }));
    const missing = path.join(dir, 'nonexistent');
    for (const args of [['build'], ['status']]) {
      const { code, stderr } = await retrain([...args, '--config', config], dir);
      assert.equal(code, 1, `${args.join(' ')}: ${stderr}`);
      assert.equal(stderr, `error: ${config}: modelsDir ${missing}: no such folder; give the folder that holds the model folders (such as mobilenet_v2_035_224/)\n`);
    }
    // The flag wins over the config's modelsDir, so the config's is not looked at.
    const flagged = await retrain(['status', '--config', config, '--models-dir', dir], dir);
    assert.ok(!flagged.stderr.includes('modelsDir'), flagged.stderr);
  });
});

// Before the fix: `--testing-percentage 150: must be at most 100 (got 150); --testing-percentage 150: validationPercentage
// + testingPercentage must leave …` (the flag twice), and every error yargs' checks found had a second line
// `Run "retrain --help" for usage.` which config-value errors did not.
describe('usage errors', () => {
  it('are one line each, the flag named once', async () => {
    const dir = await tempDir();
    const cases: Array<[string[], string]> = [
      [['build', '--image-dir', dir, '--testing-percentage', '150'], 'error: --testing-percentage 150: must be at most 100'],
      [['build', '--image-dir', dir, '--steps', '0'], 'error: --steps 0: must be more than 0'],
      [['predict', '--top', '0', 'x.jpg'], 'error: --top 0: must be a whole number, at least 1'],
      [['audit', '--top', 'abc'], 'error: --top abc: must be a whole number, at least 1'],
      [['build', '--flip-left-right=maybe'], 'error: --flip-left-right=maybe: must be true or false (or give --flip-left-right / --no-flip-left-right)'],
      [['build', '--stpes', '3'], 'error: --stpes: unknown flag (did you mean --steps?)'],
      [['build', '--zzz'], 'error: --zzz: unknown flag (see retrain build --help)'],
      [['biuld'], 'error: unknown command "biuld": did you mean build?'],
      // Before the fix: BullMQ's 'concurrency must be a finite number greater than 0', then a stack trace.
      [['worker', '--queue', 'redis://127.0.0.1:1', '--workers', '0'], 'error: --workers 0: must be a whole number, at least 1'],
      [['worker', '--queue', 'redis://127.0.0.1:1', '--inference-batch-size', 'abc'], 'error: --inference-batch-size abc: must be a whole number, at least 1'],
      // Before the fix: 'report report: unexpected argument (see retrain report --help)'.
      [['report'], 'error: unknown command "report" (see retrain --help)'],
      [['build', 'extra'], 'error: build extra: unexpected argument (see retrain build --help)'],
      // Before the fix: out of memory after a minute, with V8's stack trace.
      [['build', '--image-dir', dir, '--batch-size', '1e9'], 'error: --batch-size 1e9: must be at most 65536'],
      [['build', '--image-dir', dir, '--validation-batch-size', '100000'], 'error: --validation-batch-size 100000: must be at most 65536'],
      // Before the fix: 'must be s3://bucket/prefix', which it was: the bucket name was too short, and nothing said so.
      [['build', '--image-dir', dir, '--remote-cache', 's3://b/p'], 'error: --remote-cache s3://b/p: must be s3://bucket/prefix, the bucket 3-63 lower-case letters, digits, dots or hyphens'],
    ];
    for (const [args, expected] of cases) {
      const { code, stderr } = await retrain(args, dir);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.deepEqual(lines(stderr), [expected], args.join(' '));
    }
  });
});

// Before the fix: `model "docs/notes.txt": …/notes.txt/model.json not found (nor model.onnx)`, as if the file were a folder.
describe('a model path that is a file but not a model', () => {
  it('is one line saying it is a file, not a model, and what --model takes', async () => {
    const dir = await tempDir();
    await fs.mkdir(path.join(dir, 'docs'));
    await fs.writeFile(path.join(dir, 'docs', 'notes.txt'), 'not a model');
    const { code, stderr } = await retrain(['models', 'inspect', 'docs/notes.txt'], dir);
    assert.equal(code, 1);
    assert.equal(stderr, `error: model "docs/notes.txt": ${path.join(dir, 'docs', 'notes.txt')} is a file, not a model; give --model a folder with model.json or model.onnx, an .onnx file, or a registry name (retrain models lists them)\n`);
  });
});

// Before the fix: `found 0 classes with images in …; need at least 2 (one sub-folder of images per class)`, and
// nothing said why (the scan's warnings were never printed: the error came first).
describe('image folders whose class folders hold no image', () => {
  it('the error says what was found instead, in the same line', async () => {
    const dir = await tempDir();
    await fs.mkdir(path.join(dir, 'photos/cats'), { recursive: true });
    await fs.mkdir(path.join(dir, 'photos/dogs'), { recursive: true });
    await fs.writeFile(path.join(dir, 'photos/cats/notes.txt'), 'not a photo');
    await fs.writeFile(path.join(dir, 'photos/cats/scan.bmp'), 'BM');
    const error = await scanImageDirs([path.join(dir, 'photos')]).then(
      () => assert.fail('scanned'),
      (e: Error) => e,
    );
    assert.match(
      error.message,
      /^found 0 classes with images in .*photos; need at least 2 \(one sub-folder of images per class\); 2 files in class folders are not an image format this build reads, ignored: cats\/notes\.txt, cats\/scan\.bmp \(it reads .*\); 2 class folders with no images, skipped: .*photos\/cats, .*photos\/dogs$/,
    );
  });
});

// Before the fix: `found 0 classes with images in …/flat; need at least 2 (one sub-folder of images per class)` for a
// folder of photos with no class folders: the warning that said so was never printed (the error came first).
describe('an image folder of photos with no class folders', () => {
  it('the error says the images are directly in it, in the same line', async () => {
    const dir = await tempDir();
    await fs.mkdir(path.join(dir, 'flat'));
    for (const name of ['a.jpg', 'b.png']) await fs.writeFile(path.join(dir, 'flat', name), 'x');
    const error = await scanImageDirs([path.join(dir, 'flat')]).then(
      () => assert.fail('scanned'),
      (e: Error) => e,
    );
    assert.match(error.message, /^found 0 classes with images in .*flat; need at least 2 \(one sub-folder of images per class\); 2 images directly in .*flat are in no class folder, ignored: a\.jpg, b\.png; move them into a class folder$/);
  });
});

describe('predict and eval on a real export', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  let dir: string;
  let images: string;
  let photo: string;
  before(async () => {
    dir = await tempDir();
    images = await copySubset(4, 'train', path.join(dir, 'images'));
    photo = path.join(images, 'ants', (await fs.readdir(path.join(images, 'ants')))[0]!);
    const built = await retrain(['build', '--image-dir', images, '--model', MODEL_DIR, '--steps', '5', '--workers', '1'], dir);
    assert.equal(built.code, 0, built.stderr);
  });

  // Before the fix: `--backend onnx: must be one of auto, node, wasm, cpu` (exit 2), though every export has a model.onnx.
  it('predict --backend onnx runs model.onnx, as --format onnx does', async () => {
    const onnx = await retrain(['predict', '--backend', 'onnx', '--json', photo], dir);
    assert.equal(onnx.code, 0, onnx.stderr);
    const format = await retrain(['predict', '--format', 'onnx', '--json', photo], dir);
    assert.deepEqual(JSON.parse(onnx.stdout), JSON.parse(format.stdout));
    const evaluated = await retrain(['eval', '--backend', 'onnx', '--image_dir', images, '--json'], dir);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.equal((JSON.parse(lines(evaluated.stdout).at(-1)!) as { count: number }).count, 8);
  });

  // Found in a trial: predict on a FIFO or /dev/zero waited for ever (it read the whole "file" first).
  it('predict on a FIFO or a device: one line each, the other images are classified, exit 1', async () => {
    const fifo = path.join(dir, 'pipe.jpg');
    spawnSync('mkfifo', [fifo]);
    const { code, stdout, stderr } = await retrain(['predict', '--json', fifo, '/dev/zero', photo], dir, 60_000); // killed if it hangs
    assert.equal(code, 1, stderr);
    assert.deepEqual(lines(stderr), [
      `error: ${fifo}: not a regular file (a FIFO); predict takes image files`,
      'error: /dev/zero: not a regular file (a device); predict takes image files',
    ]);
    assert.equal(lines(stdout).length, 3);
    assert.ok((JSON.parse(lines(stdout)[2]!) as { predictions: unknown[] }).predictions.length > 0);
  });

  it('--backend onnx --format tfjs: one line saying what works, exit 2', async () => {
    const { code, stderr } = await retrain(['predict', '--backend', 'onnx', '--format', 'tfjs', photo], dir);
    assert.equal(code, 2);
    assert.equal(lines(stderr).length, 1, stderr);
    assert.match(stderr, /--backend onnx --format tfjs: onnx runs the export's model\.onnx; for the TF\.js model use --backend auto, node, wasm or cpu/);
  });

  // Before the fix: eval said nothing about a class folder with no image (a build says it in one line).
  it('eval warns in one line about an empty class folder, and goes on', async () => {
    const wasps = path.join(images, 'wasps');
    await fs.mkdir(wasps);
    try {
      const { code, stdout, stderr } = await retrain(['eval', '--image_dir', images], dir);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^Accuracy = .*\(N=8\)$/m);
      const warnings = lines(stderr).filter((l) => l.startsWith('warning:'));
      assert.deepEqual(warnings, [`warning: 1 class folder with no images, skipped: ${wasps}`]);
    } finally {
      await fs.rmdir(wasps);
    }
  });

  // Before the fix: a broken symbolic link given as --image_dir was "not found", as --model "no such model folder".
  it('eval says a broken symbolic link is one and where it points', async () => {
    const link = path.join(dir, 'gone-link');
    const target = path.join(dir, 'moved-away');
    await fs.symlink(target, link);
    try {
      const images = await retrain(['eval', '--image_dir', link], dir);
      assert.equal(images.code, 1);
      assert.equal(images.stderr, `error: ${link}: broken symbolic link to ${target}; --image_dir names a folder with one sub-folder of images per class\n`);
      const model = await retrain(['eval', '--model', link, '--image_dir', dir], dir);
      assert.equal(model.code, 1);
      assert.match(model.stderr, new RegExp(`^error: ${link}: broken symbolic link to ${target}; build one with retrain build, or name a model folder with --model DIR\n$`));
    } finally {
      await fs.unlink(link);
    }
  });
});
