import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { copySubset, HAS_SHARED, HYMENOPTERA, MODEL_DIR, REPO_ROOT, tempDir } from './helpers/shared.js';
import { WatchProcess, type Event } from './helpers/watch-process.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function writeConfig(dir: string, learningRate: number) {
  const config = { imageDir: 'images', model: MODEL_DIR, train: { steps: 300, learningRate }, cacheDir: 'cache', outputDir: 'out' };
  await fs.writeFile(path.join(dir, 'retrain.config.ts'), `export default ${JSON.stringify(config, null, 2)};\n`);
}

async function valPhotos(label: string, count: number, skip = 0): Promise<string[]> {
  const names = (await fs.readdir(path.join(HYMENOPTERA, 'val', label))).sort().slice(skip, skip + count);
  return names.map((n) => path.join(HYMENOPTERA, 'val', label, n));
}

describe('retrain watch (a real process on real photos)', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  let dir: string;
  let images: string;
  let watch: WatchProcess;
  let seen = 0;

  /** Performs `action`, then returns the next build's event; the events of that step are checked from there. */
  async function step(action: () => Promise<unknown>): Promise<Event> {
    await action();
    const { event, index } = await watch.nextBuild(seen);
    seen = index + 1;
    return event;
  }

  before(async () => {
    dir = await tempDir('retrain-watch-');
    images = path.join(dir, 'images');
    await copySubset(8, 'train', images);
    await writeConfig(dir, 0.01);
    watch = new WatchProcess(dir, ['--quiet-ms', '300']);
  });
  after(async () => {
    if (watch.child.exitCode === null) await watch.stop('SIGKILL');
  });

  it('builds everything once at start', async () => {
    const first = await step(async () => {});
    assert.equal(first.bottlenecksComputed, 16);
    assert.equal(first.trained, true);
    assert.deepEqual(first.classCounts, { ants: 8, bees: 8 });
  });

  it('an added image: exactly one new bottleneck and one retrain', async () => {
    const [photo] = await valPhotos('ants', 1);
    const build = await step(() => fs.copyFile(photo!, path.join(images, 'ants', 'added.jpg')));
    assert.equal(build.bottlenecksComputed, 1);
    assert.equal(build.trained, true);
    assert.equal(watch.events.slice(0, seen).filter((e) => e.type === 'build').length, 2, 'one rebuild for one change');
  });

  it('a rename computes no bottleneck', async () => {
    const build = await step(() => fs.rename(path.join(images, 'ants', 'added.jpg'), path.join(images, 'ants', 'renamed.jpg')));
    assert.equal(build.bottlenecksComputed, 0);
    assert.deepEqual(build.classCounts, { ants: 9, bees: 8 });
  });

  it('a deleted image is trained without', async () => {
    const victim = (await fs.readdir(path.join(images, 'bees')))[0]!;
    const build = await step(() => fs.rm(path.join(images, 'bees', victim)));
    assert.equal(build.bottlenecksComputed, 0);
    assert.deepEqual(build.classCounts, { ants: 9, bees: 7 });
    assert.equal(build.trained, true);
  });

  it('moving an image to another class changes its label with no bottleneck', async () => {
    const build = await step(() => fs.rename(path.join(images, 'ants', 'renamed.jpg'), path.join(images, 'bees', 'renamed.jpg')));
    assert.equal(build.bottlenecksComputed, 0);
    assert.deepEqual(build.classCounts, { ants: 8, bees: 8 });
    assert.equal(build.trained, true);
  });

  it('a burst of 50 copies is one rebuild', async () => {
    // New content: val/ants' first photo is in the set already (added, renamed, moved above).
    const sources = [...(await valPhotos('ants', 25, 1)), ...(await valPhotos('bees', 25))];
    const start = seen;
    const build = await step(() =>
      Promise.all(sources.map((file, i) => fs.copyFile(file, path.join(images, i < 25 ? 'ants' : 'bees', `burst-${i}.jpg`)))),
    );
    assert.equal(build.bottlenecksComputed, 50);
    await sleep(2500);
    assert.equal(watch.events.slice(start).filter((e) => e.type === 'build').length, 1, 'no second rebuild');
    assert.deepEqual(build.classCounts, { ants: 33, bees: 33 });
  });

  it('a half-written file is not reported as corrupt once it is complete', async () => {
    const [photo] = await valPhotos('ants', 1, 30);
    const bytes = await fs.readFile(photo!);
    const target = path.join(images, 'ants', 'half.jpg');
    // The copy stalls long enough for the partial file to be built (and reported as truncated)…
    const partial = await step(() => fs.writeFile(target, bytes.subarray(0, Math.floor(bytes.length * 0.4))));
    assert.ok((partial.skipped as Array<{ file: string }>).some((s) => s.file === target));
    // …then completes: the next build uses it, and nothing still calls it corrupt.
    const build = await step(() => fs.appendFile(target, bytes.subarray(Math.floor(bytes.length * 0.4))));
    assert.equal(build.bottlenecksComputed, 1);
    const skipped = build.skipped as Array<{ file: string }>;
    assert.ok(!skipped.some((s) => s.file === target), JSON.stringify(skipped));
    assert.equal((build.classCounts as Record<string, number>).ants, 34);
  });

  it('editing the learning rate in the config retrains without bottlenecks', async () => {
    const build = await step(() => writeConfig(dir, 0.02));
    assert.ok(watch.events.some((e) => e.type === 'config'));
    assert.equal(build.bottlenecksComputed, 0);
    assert.equal(build.trained, true);
  });

  it('Ctrl-C stops cleanly and the last model stays usable', async () => {
    assert.equal(await watch.stop('SIGINT'), 130);
    assert.equal(watch.events.at(-1)!.type, 'stopped');
    const manifest = JSON.parse(await fs.readFile(path.join(dir, 'out', 'manifest.json'), 'utf8')) as { labels: string[] };
    assert.deepEqual(manifest.labels, ['ants', 'bees']);
  });
});

describe('Ctrl-C during bottlenecks, then a restart', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  it('recomputes only the missing bottlenecks', async () => {
    const dir = await tempDir('retrain-interrupt-');
    const images = path.join(dir, 'images');
    for (const label of ['ants', 'bees']) {
      await fs.mkdir(path.join(images, label), { recursive: true });
      for (const file of await valPhotos(label, 40)) await fs.copyFile(file, path.join(images, label, path.basename(file)));
    }
    await writeConfig(dir, 0.01);
    const watch = new WatchProcess(dir, ['--workers', '1']);
    const { event } = await watch.next((e) => e.type === 'bottleneck-progress' && (e.computed as number) >= 10, 0);
    assert.equal(await watch.stop('SIGINT'), 130);
    const computedBefore = Math.max(...watch.events.filter((e) => e.type === 'bottleneck-progress').map((e) => e.computed as number));
    assert.ok(computedBefore >= (event.computed as number) && computedBefore < 80, `stopped after ${computedBefore}`);

    const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), 'build', '--json'], { cwd: dir });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { bottlenecksComputed: number; bottlenecksCached: number };
    assert.ok(result.bottlenecksCached >= computedBefore, `${result.bottlenecksCached} cached, ${computedBefore} computed before Ctrl-C`);
    assert.equal(result.bottlenecksComputed + result.bottlenecksCached, 80);
    assert.ok(result.bottlenecksComputed > 0);
  });
});

describe('retrain watch keeps watching when folders vanish and come back', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  let dir: string;
  let images: string;
  let backup: string;
  let watch: WatchProcess;
  let seen = 0;
  const photo = async (n: number) => (await valPhotos('ants', 1, n))[0]!;

  /** Waits for the next event of `type` (matching `where`) after the last one checked. */
  async function expectEvent(type: string, where: (e: Event) => boolean = () => true): Promise<Event> {
    const { event, index } = await watch.next((e) => e.type === type && where(e), seen);
    seen = index + 1;
    return event;
  }

  before(async () => {
    dir = await tempDir('retrain-watch-roots-');
    images = path.join(dir, 'images');
    backup = path.join(dir, 'backup');
    await copySubset(6, 'train', images);
    await fs.cp(images, backup, { recursive: true });
    await writeConfig(dir, 0.01);
    watch = new WatchProcess(dir, ['--quiet-ms', '300']);
    await expectEvent('build');
  });
  after(async () => {
    if (watch.child.exitCode === null) await watch.stop('SIGKILL');
  });

  it('rm -rf the image folder, then copy it back: says so, builds again, and sees later changes', async () => {
    await fs.rm(images, { recursive: true });
    await expectEvent('image-folder', (e) => e.state === 'gone' && e.path === images);
    await sleep(1500); // gone for a while: chokidar alone never sees the new folder
    await fs.cp(backup, images, { recursive: true });
    await expectEvent('image-folder', (e) => e.state === 'back' && e.path === images);
    assert.deepEqual((await expectEvent('build')).classCounts, { ants: 6, bees: 6 });
    await fs.copyFile(await photo(0), path.join(images, 'ants', 'after-recreate.jpg'));
    const build = await expectEvent('build');
    assert.equal(build.bottlenecksComputed, 1);
    assert.deepEqual(build.classCounts, { ants: 7, bees: 6 });
  });

  it('a config naming a missing image folder, then fixed: the fixed config is built at once', async () => {
    // Found in a trial: the fixed config was read and watched, but nothing was built until some image changed, so
    // the model stayed the one of the config before (the change batch of the fix said the missing folder gone, and the loop looked before the reload watched afresh).
    const file = path.join(dir, 'retrain.config.ts');
    const config = { imageDir: 'nowhere', model: MODEL_DIR, train: { steps: 300, learningRate: 0.01 }, cacheDir: 'cache', outputDir: 'out' };
    await fs.writeFile(file, `export default ${JSON.stringify(config)};\n`);
    await expectEvent('error', (e) => String(e.message).includes(`${path.join(dir, 'nowhere')}: cannot read image folder`));
    await writeConfig(dir, 0.04);
    await expectEvent('config');
    const build = await expectEvent('build');
    assert.equal(build.trained, true, 'the new learning rate is trained');
    assert.equal(build.bottlenecksComputed, 0);
  });

  it('a folder replaced by a rename is watched afresh', async () => {
    await fs.rename(images, `${images}.old`);
    await fs.cp(backup, images, { recursive: true });
    await expectEvent('image-folder', (e) => e.state === 'back');
    assert.deepEqual((await expectEvent('build')).classCounts, { ants: 6, bees: 6 });
    await fs.copyFile(await photo(1), path.join(images, 'bees', 'after-rename.jpg'));
    assert.deepEqual((await expectEvent('build')).classCounts, { ants: 6, bees: 7 });
  });

  it('a watcher error (a symbolic link loop) is reported and watching goes on; a folder loop is not followed', async () => {
    await fs.symlink('loop.jpg', path.join(images, 'ants', 'loop.jpg'));
    await fs.symlink('..', path.join(images, 'ants', 'up'));
    await expectEvent('error', (e) => /ELOOP.*still watching/.test(e.message as string));
    await expectEvent('warning', (e) => (e.message as string).startsWith(`${path.join(images, 'ants', 'up')}: symbolic link to ${images}, a folder that contains it (a loop)`));
    let build = await expectEvent('build');
    assert.deepEqual(build.classCounts, { ants: 6, bees: 7 });
    await fs.copyFile(await photo(2), path.join(images, 'ants', 'after-error.jpg'));
    build = await expectEvent('build');
    assert.deepEqual(build.classCounts, { ants: 7, bees: 7 });
  });

  it('sees images in sub-folders of a class and in a class folder that is a symbolic link', async () => {
    await fs.mkdir(path.join(images, 'ants', 'sub', 'deeper'), { recursive: true });
    await fs.copyFile(await photo(3), path.join(images, 'ants', 'sub', 'deeper', 'nested.jpg'));
    let build = await expectEvent('build');
    assert.equal(build.bottlenecksComputed, 1);
    assert.deepEqual(build.classCounts, { ants: 8, bees: 7 });
    const elsewhere = path.join(dir, 'elsewhere', 'wasps');
    await fs.mkdir(elsewhere, { recursive: true });
    for (const n of [4, 5]) await fs.copyFile(await photo(n), path.join(elsewhere, `w${n}.jpg`));
    await fs.symlink(elsewhere, path.join(images, 'wasps'));
    build = await expectEvent('build');
    assert.deepEqual(build.classCounts, { ants: 8, bees: 7, wasps: 2 });
    await fs.copyFile(await photo(6), path.join(elsewhere, 'w6.jpg'));
    build = await expectEvent('build');
    assert.deepEqual(build.classCounts, { ants: 8, bees: 7, wasps: 3 });
    await fs.rm(path.join(images, 'wasps'));
    assert.deepEqual((await expectEvent('build')).classCounts, { ants: 8, bees: 7 });
  });

  it('a deleted config file is reported; the previous config stays; a new one is read', async () => {
    const file = path.join(dir, 'retrain.config.ts');
    await fs.rm(file);
    await expectEvent('config-gone', (e) => e.file === file);
    await writeConfig(dir, 0.03);
    await expectEvent('config');
    const build = await expectEvent('build');
    assert.equal(build.trained, true);
    assert.equal(build.bottlenecksComputed, 0);
  });
});
