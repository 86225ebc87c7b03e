import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { Random } from '../src/core/random.js';
import { HAS_SHARED, HYMENOPTERA, MODEL_DIR, REPO_ROOT, tempDir } from './helpers/shared.js';
import { WatchProcess } from './helpers/watch-process.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const EVENTS = 2000;

describe('watch soak', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  it(`${EVENTS} random adds, deletes, renames and moves: the final model sees exactly the folder, the cache verifies clean`, async () => {
    const dir = await tempDir('retrain-soak-');
    const images = path.join(dir, 'images');
    const classes = ['ants', 'bees'];
    for (const label of classes) {
      await fs.mkdir(path.join(images, label), { recursive: true });
      for (const name of (await fs.readdir(path.join(HYMENOPTERA, 'val', label))).sort().slice(0, 15)) {
        await fs.copyFile(path.join(HYMENOPTERA, 'val', label, name), path.join(images, label, name));
      }
    }
    const spares = (await fs.readdir(path.join(HYMENOPTERA, 'train', 'bees'))).filter((n) => n.endsWith('.jpg')).sort().slice(0, 20);
    const config = { imageDir: 'images', model: MODEL_DIR, train: { steps: 50 }, cacheDir: 'cache', outputDir: 'out' };
    await fs.writeFile(path.join(dir, 'retrain.config.ts'), `export default ${JSON.stringify(config)};\n`);
    const watch = new WatchProcess(dir, ['--quiet-ms', '200']);
    try {
      await watch.nextBuild(0, 120_000);

      const random = new Random(42);
      const files = async (label: string) => (await fs.readdir(path.join(images, label))).filter((n) => n.endsWith('.jpg'));
      let serial = 0;
      for (let done = 0; done < EVENTS; ) {
        const burst = 1 + random.int(80);
        for (let i = 0; i < burst && done < EVENTS; i++, done++) {
          const label = classes[random.int(2)]!;
          const present = await files(label);
          const op = present.length < 4 ? 0 : random.int(4);
          const pick = present[random.int(present.length)]!;
          if (op === 0) {
            await fs.copyFile(path.join(HYMENOPTERA, 'train', 'bees', spares[random.int(spares.length)]!), path.join(images, label, `soak-${serial++}.jpg`));
          } else if (op === 1) await fs.rm(path.join(images, label, pick));
          else if (op === 2) await fs.rename(path.join(images, label, pick), path.join(images, label, `renamed-${serial++}.jpg`));
          else await fs.rename(path.join(images, label, pick), path.join(images, classes[1 - classes.indexOf(label)]!, `moved-${serial++}.jpg`));
        }
        await sleep(random.int(400));
      }
      const lastChange = watch.events.length;
      // Quiet: a build after the last change, then nothing more for three seconds.
      let last = await watch.nextBuild(lastChange, 120_000);
      for (;;) {
        await sleep(3000);
        const later = watch.events.slice(last.index + 1).findIndex((e) => e.type === 'build');
        if (later < 0 && !watch.events.slice(last.index + 1).some((e) => e.type === 'change')) break;
        last = await watch.nextBuild(last.index + 1, 120_000);
      }
      const final = last.event;
      const onDisk = Object.fromEntries(await Promise.all(classes.map(async (l) => [l, (await files(l)).length] as const)));
      assert.deepEqual(final.classCounts, onDisk, 'no lost and no ghost images');
      assert.deepEqual(final.skipped, []);
      assert.equal((final.bottlenecksComputed as number) + (final.bottlenecksCached as number), onDisk.ants! + onDisk.bees!);
    } finally {
      await watch.stop('SIGINT');
    }
    const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), 'cache', 'verify', '--json'], { cwd: dir });
    assert.deepEqual((JSON.parse(stdout) as { removed: unknown[] }).removed, []);
    const { stdout: rebuilt } = await run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), 'build', '--json'], { cwd: dir });
    const result = JSON.parse(rebuilt.trim().split('\n').at(-1)!) as { bottlenecksComputed: number; trained: boolean };
    assert.equal(result.bottlenecksComputed, 0);
    assert.equal(result.trained, false, 'the watch left the model of exactly this folder');
  });
});
