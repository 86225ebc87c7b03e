import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { copySubset, HAS_SHARED, MODEL_DIR, REPO_ROOT, tempDir } from './helpers/shared.js';

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'bin/retrain.js');
const SKIP_SHARED = !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function retrain(args: string[], cwd: string): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: '1' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every file under `dir` (relative path → content), to show nothing was touched. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, full)] = entry.isFile() ? await fs.readFile(full, 'utf8') : '<dir>';
  }
  return out;
}

/** A refusal: exit code 1, exactly one line on stderr matching `pattern`, no work done. */
function assertRefused(outcome: Outcome, pattern: RegExp) {
  assert.equal(outcome.code, 1, outcome.stderr);
  const lines = outcome.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line expected:\n${outcome.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(outcome.stderr + outcome.stdout, /bottleneck/i);
}

/** A project folder a user might run `retrain` in: a README, sources, images, a cache of their own. */
async function project(): Promise<{ root: string; images: string; flags: string[] }> {
  const root = await tempDir('retrain-project-');
  await fs.writeFile(path.join(root, 'README.md'), '# my project\n');
  await fs.mkdir(path.join(root, 'src'));
  await fs.writeFile(path.join(root, 'src', 'index.ts'), 'export {};\n');
  const images = path.join(root, 'photos');
  for (const label of ['cats', 'dogs']) {
    await fs.mkdir(path.join(images, label), { recursive: true });
    await fs.writeFile(path.join(images, label, 'a.jpg'), 'not really an image');
  }
  return { root, images, flags: ['--image_dir', images, '--cache-dir', path.join(root, '.retrain-cache'), '--model', MODEL_DIR] };
}

describe('outputs: retrain never deletes or overwrites what it did not write', () => {
  it('--output-dir . in a project folder refuses with one line, before any work, and leaves every file', async () => {
    const { root, flags } = await project();
    const before = await snapshot(root);
    const outcome = await retrain(['build', ...flags, '--output-dir', '.'], root);
    assertRefused(outcome, /^error: output folder \(--output-dir\) .* contains the image folder .*photos; choose a folder of its own$/);
    assert.deepEqual(await snapshot(root), before); // not even a cache folder was made
    const watched = await retrain(['watch', ...flags, '--output-dir', '.'], root);
    assertRefused(watched, /^error: output folder \(--output-dir\) .* contains the image folder/);
    assert.deepEqual(await snapshot(root), before);
  });

  it('a folder holding a user\'s files, a regular file, the cache folder or a folder inside the images are refused', async () => {
    const { root, images, flags } = await project();
    const userFolder = path.join(root, 'docs');
    await fs.mkdir(userFolder);
    await fs.writeFile(path.join(userFolder, 'thesis.txt'), 'years of work');
    await fs.writeFile(path.join(root, 'notes.txt'), 'a file');
    await fs.mkdir(path.join(root, '.retrain-cache'));
    await fs.writeFile(path.join(root, '.retrain-cache', 'cache.lmdb'), 'cache bytes');
    const before = await snapshot(root);
    const cases: Array<[string, RegExp]> = [
      [userFolder, /docs holds files retrain did not write \("thesis.txt"\) and retrain replaces this folder whole: choose a new or empty folder$/],
      [path.join(root, 'notes.txt'), /notes.txt is a file, not a folder/],
      [path.join(root, '.retrain-cache'), /is the cache folder; choose a folder of its own$/],
      [path.join(images, 'cats', 'model'), /is inside the image folder .*photos; choose a folder outside it$/],
      [path.join(root, 'notes.txt', 'model'), /cannot be made: .*notes.txt is a file, not a folder$/],
    ];
    for (const [output, pattern] of cases) assertRefused(await retrain(['build', ...flags, '--output-dir', output], root), pattern);
    assert.deepEqual(await snapshot(root), before);
  });

  // Before the fix the cache could be made inside an image folder: scanned as a class of images, or moved to
  // the trash by the curation page.
  it('a cache folder that is an image folder or inside one (also through a link) is refused, naming --cache-dir', async () => {
    const { root, images } = await project();
    await fs.symlink(path.join(images, 'dogs'), path.join(root, 'dogs-link'));
    const before = await snapshot(root);
    const cases: Array<[string, RegExp]> = [
      [path.join(images, 'cache'), /^error: cache folder \(--cache-dir\) .*photos\/cache is inside the image folder .*photos; choose a folder outside it \(the default is \.retrain-cache\)$/],
      [path.join(images, 'cats', '.retrain-cache'), /^error: cache folder \(--cache-dir\) .*cats\/\.retrain-cache is inside the image folder .*photos; choose a folder/],
      [path.join(root, 'dogs-link', 'cache'), /^error: cache folder \(--cache-dir\) .*dogs-link\/cache is inside the image folder .*photos; choose a folder/],
      [images, /^error: cache folder \(--cache-dir\) .*photos is the image folder; choose a folder outside it/],
    ];
    for (const command of ['build', 'audit']) {
      for (const [cache, pattern] of cases) {
        assertRefused(await retrain([command, '--image_dir', images, '--model', MODEL_DIR, '--output-dir', path.join(root, 'model'), '--cache-dir', cache], root), pattern);
      }
    }
    assert.deepEqual(await snapshot(root), before);
  });

  it('the cache inside the output folder, a labels file or summaries folder that is not ours are refused', async () => {
    const { root, images, flags } = await project();
    await fs.writeFile(path.join(root, 'labels.txt'), 'my shopping list\n');
    await fs.writeFile(path.join(root, 'logs'), 'a file where summaries would go');
    const before = await snapshot(root);
    const cacheInside = ['--image_dir', images, '--model', MODEL_DIR, '--output-dir', path.join(root, 'out'), '--cache-dir', path.join(root, 'out', 'cache')];
    assertRefused(await retrain(['build', ...cacheInside], root), /output folder \(--output-dir\) .*out contains the cache folder/);
    const out = ['--output-dir', path.join(root, 'model')];
    assertRefused(
      await retrain(['build', ...flags, ...out, '--output_labels', path.join(root, 'labels.txt')], root),
      /^error: labels file \(--output-labels\) .*labels.txt exists and is not a file retrain wrote there; remove it or choose another path$/,
    );
    assertRefused(await retrain(['build', ...flags, ...out, '--summaries_dir', path.join(root, 'logs')], root), /summaries folder \(--summaries-dir\) .*logs is a file, not a folder/);
    assertRefused(await retrain(['build', ...flags, ...out, '--summaries_dir', images], root), /summaries folder .* is the image folder/);
    assertRefused(
      await retrain(['build', ...flags, ...out, '--output_labels', path.join(root, 'model', 'classes.txt')], root),
      /^error: labels file \(--output-labels\) .*classes.txt is in the output folder, which each export replaces whole/,
    );
    assertRefused(await retrain(['build', ...flags, ...out, '--summaries_dir', path.join(root, 'model', 'tb')], root), /^error: summaries folder \(--summaries-dir\) .*tb is in the output folder/);
    assert.deepEqual(await snapshot(root), before);
  });

  it('experiment refuses an experiments folder or --export-best target that is not ours, before running any', async () => {
    const { root, images } = await project();
    const config = path.join(root, 'retrain.config.ts');
    const write = (outputDir: string) =>
      fs.writeFile(config, `export default { imageDir: ${JSON.stringify(images)}, model: ${JSON.stringify(MODEL_DIR)}, outputDir: ${JSON.stringify(outputDir)}, experiments: { short: { train: { steps: 10 } } } };\n`);
    await write('.');
    const before = await snapshot(root);
    assertRefused(await retrain(['experiment', '--export-best'], root), /^error: output folder \(--output-dir, for --export-best\) .* contains the image folder/);
    assert.deepEqual(await snapshot(root), before);
    await fs.mkdir(path.join(root, 'model-experiments', 'short'), { recursive: true });
    await fs.writeFile(path.join(root, 'model-experiments', 'short', 'keep.txt'), 'mine');
    await fs.writeFile(path.join(root, 'model-experiments', 'experiments.md'), 'my own notes\n');
    await write('model');
    const before2 = await snapshot(root);
    assertRefused(await retrain(['experiment'], root), /^error: experiments table .*experiments.md exists and is not a file retrain wrote there/);
    await fs.rm(path.join(root, 'model-experiments', 'experiments.md'));
    assertRefused(await retrain(['experiment'], root), /^error: folder of experiment "short" .*short holds files retrain did not write \("keep.txt"\)/);
    delete before2[path.join('model-experiments', 'experiments.md')];
    assert.deepEqual(await snapshot(root), before2);
  });

  it('a damaged experiment manifest or experiments table is said to be damaged, naming the file and what is wrong, not "did not write"', async () => {
    const { root, images } = await project();
    await fs.writeFile(
      path.join(root, 'retrain.config.ts'),
      `export default { imageDir: ${JSON.stringify(images)}, model: ${JSON.stringify(MODEL_DIR)}, outputDir: 'model', experiments: { short: { train: { steps: 10 } } } };\n`,
    );
    const folder = path.join(root, 'model-experiments');
    await fs.mkdir(path.join(folder, 'short'), { recursive: true });
    for (const name of ['model.onnx', 'labels.txt']) await fs.writeFile(path.join(folder, 'short', name), 'x');
    await fs.writeFile(path.join(folder, 'short', 'manifest.json'), '{"format": "retrain-model@1", "labe');
    await fs.writeFile(path.join(folder, 'experiments.json'), '{"results": [{"name": "sh');
    const before = await snapshot(root);
    assertRefused(
      await retrain(['experiment'], root),
      /^error: experiments table .*experiments\.json is damaged \(not valid JSON: .*\), so retrain cannot tell it wrote it: delete it \(the next run writes it again\) or choose another path$/,
    );
    await fs.writeFile(path.join(folder, 'experiments.json'), '');
    assertRefused(await retrain(['experiment'], root), /^error: experiments table .*experiments\.json is damaged \(it is empty\)/);
    await fs.rm(path.join(folder, 'experiments.json'));
    assertRefused(
      await retrain(['experiment'], root),
      /^error: folder of experiment "short" .*short looks like a retrain model but its manifest\.json is damaged \(not valid JSON: .*\), so retrain cannot tell it wrote the folder: delete or move the folder and build again, or choose another folder$/,
    );
    delete before[path.join('model-experiments', 'experiments.json')];
    assert.deepEqual(await snapshot(root), before);
  });

  it('experiments with --output_labels and --summaries_dir run each into its own folder', { skip: SKIP_SHARED }, async () => {
    const work = await tempDir();
    const images = await copySubset(6);
    await fs.writeFile(
      path.join(work, 'retrain.config.ts'),
      `export default { imageDir: ${JSON.stringify(images)}, model: ${JSON.stringify(MODEL_DIR)}, outputDir: 'model', experiments: { a: { train: { steps: 10 } }, b: { train: { steps: 20 } } } };\n`,
    );
    const outcome = await retrain(['experiment', '--output_labels', 'labels.txt', '--summaries_dir', 'tb'], work);
    assert.equal(outcome.code, 0, outcome.stderr);
    for (const name of ['a', 'b']) assert.equal(await fs.readFile(path.join(work, 'model-experiments', name, 'labels.txt'), 'utf8'), 'ants\nbees\n');
    assert.deepEqual((await fs.readdir(work)).sort(), ['.retrain-cache', 'model-experiments', 'retrain.config.ts']);
  });

  it('an output folder in a read-only place is one line naming it, before any work', async (t) => {
    const { root, flags } = await project();
    const locked = path.join(root, 'locked');
    await fs.mkdir(locked);
    try {
      execFileSync('chattr', ['+i', locked], { stdio: 'ignore' }); // immutable: EPERM even for root
    } catch {
      t.skip('chattr +i is not available here');
      return;
    }
    try {
      const outcome = await retrain(['build', ...flags, '--output-dir', path.join(locked, 'model')], root);
      assertRefused(outcome, /^error: output folder \(--output-dir\) .*locked\/model cannot be written in .*locked: permission denied \(EPERM: .*\); choose a writable folder$/);
    } finally {
      execFileSync('chattr', ['-i', locked]);
    }
  });

  it('uses an empty folder, replaces its own export, keeps the normal umask, and owns its labels file', { skip: SKIP_SHARED }, async () => {
    const work = await tempDir();
    const images = await copySubset(6);
    const output = path.join(work, 'model');
    await fs.mkdir(output);
    const labels = path.join(work, 'labels.txt');
    const flags = ['--image_dir', images, '--model', MODEL_DIR, '--cache-dir', path.join(work, 'cache'), '--output-dir', output, '--output_labels', labels, '--json'];
    const first = await retrain(['build', ...flags, '--steps', '20'], work);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(await fs.readFile(labels, 'utf8'), 'ants\nbees\n');

    // The export keeps the umask: folders as `mkdir` makes them, files as `writeFile` makes them (not 0700).
    const reference = path.join(work, 'reference');
    await fs.mkdir(reference);
    await fs.writeFile(path.join(reference, 'file'), '');
    const dirMode = (await fs.stat(reference)).mode & 0o777;
    const fileMode = (await fs.stat(path.join(reference, 'file'))).mode & 0o777;
    assert.equal((await fs.stat(output)).mode & 0o777, dirMode);
    assert.equal((await fs.stat(path.join(output, 'logs'))).mode & 0o777, dirMode);
    for (const name of ['model.json', 'weights.bin', 'labels.txt', 'manifest.json', 'report.html']) {
      assert.equal((await fs.stat(path.join(output, name))).mode & 0o777, fileMode, name);
    }

    // Its own export (and its own labels file) are replaced by a changed build.
    const second = await retrain(['build', ...flags, '--steps', '30'], work);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(JSON.parse(second.stdout.trim().split('\n').at(-1)!).exported, true);
    assert.deepEqual((await fs.readdir(work)).sort(), ['cache', 'labels.txt', 'model', 'reference']);

    // Its labels file cut short is said to be damaged (it said "is not a file retrain wrote there"), and kept.
    await fs.writeFile(labels, 'ants\n');
    assertRefused(
      await retrain(['build', ...flags, '--steps', '30'], work),
      /^error: labels file \(--output-labels\) .*labels\.txt is damaged \(it holds only the first 5 of 10 characters of the labels\), so retrain cannot tell it wrote it: delete it/,
    );
    assert.equal(await fs.readFile(labels, 'utf8'), 'ants\n');
    await fs.writeFile(labels, 'ants\nbees\n');

    // A user's file put in the model folder is never deleted by the next export.
    await fs.writeFile(path.join(output, 'my-notes.txt'), 'keep me');
    const third = await retrain(['build', ...flags, '--steps', '40'], work);
    assertRefused(third, /output folder \(--output-dir\) .*model holds a retrain model and also files retrain did not write \("my-notes.txt"\)/);
    assert.equal(await fs.readFile(path.join(output, 'my-notes.txt'), 'utf8'), 'keep me');

    // ...nor one put under logs/, where the export writes only logs/{train,validation}/events.out.tfevents.*.
    await fs.rm(path.join(output, 'my-notes.txt'));
    await fs.writeFile(path.join(output, 'logs', 'notes.txt'), 'keep me');
    await fs.mkdir(path.join(output, 'logs', 'train', 'mine'));
    await fs.writeFile(path.join(output, 'logs', 'train', 'mine', 'k'), 'keep me too');
    const fourth = await retrain(['build', ...flags, '--steps', '40'], work);
    assertRefused(fourth, /output folder \(--output-dir\) .*model holds a retrain model and also files retrain did not write \("logs\/notes\.txt", "logs\/train\/mine"\)/);
    assert.equal(await fs.readFile(path.join(output, 'logs', 'notes.txt'), 'utf8'), 'keep me');
    assert.equal(await fs.readFile(path.join(output, 'logs', 'train', 'mine', 'k'), 'utf8'), 'keep me too');

    // A HEIC photo is one line naming the file and why it cannot be read, not libvips' "bad seek to N".
    const heic = path.join(REPO_ROOT, 'test/fixtures/hevc-64x48.heic');
    const predicted = await retrain(['predict', '--model', output, heic], work);
    assert.equal(predicted.code, 1);
    assert.equal(predicted.stderr, `error: ${heic}: HEIC image (HEVC-compressed), which the installed libvips cannot decode: convert it to JPEG or PNG (e.g. heif-convert)\n`);
  });
});
