import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { resolveConfig } from '../src/config/resolved-config.js';
import { build } from '../src/pipeline/build.js';
import { buildStatus } from '../src/pipeline/stage-status.js';
import { copySubset, HAS_SHARED, MODEL_DIR, tempDir } from './helpers/shared.js';

/** A project of `perClass` photos per class (ants, bees) and a small build config for it. */
async function project(name: string, perClass: number) {
  const work = await tempDir(name);
  const images = await copySubset(perClass, 'train', path.join(work, 'photos'));
  return { images, config: resolveConfig({ imageDir: images, model: MODEL_DIR, train: { steps: 5 }, workers: 1, cacheDir: 'cache', outputDir: 'out' }, work) };
}

/**
 * A photo edited while a build runs, after the build hashed it: the model was made from the old content, so
 * `retrain status` must call the photo changed and the next build must hash it again. Before, the stage record was
 * written with each file's size and time as they were at the end of the build (a second stat), beside the hash of
 * the old content: status then said "up to date" and nothing rebuilt the stale model until the photo changed again.
 */
describe('a file changed after the build hashed it', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  it('is stale to `retrain status` afterwards, and the next build reads it again', async () => {
    const { images, config } = await project('changed-during-build-', 5);
    const bees = (await fs.readdir(path.join(images, 'bees'))).sort();
    const edited = path.join(images, 'bees', bees[0]!);
    await build(config);
    // Another photo touched: the next build takes the full path (its vectors are all cached, so no photo is decoded).
    const now = new Date();
    await fs.utimes(path.join(images, 'bees', bees[1]!), now, now);
    let editedAt: 'hash' | undefined;
    const second = await build(config, {
      onEvent: (event) => {
        // Every file has been hashed when the hash stage ends: edit one now (bytes after a JPEG's end are ignored
        // by decoders, so only its size, time and hash change).
        if (event.type === 'stage' && event.stage === 'hash' && event.status !== 'start' && !editedAt) {
          editedAt = 'hash';
          appendFileSync(edited, ' edited while the build ran');
        }
      },
    });
    assert.equal(editedAt, 'hash');
    assert.equal(second.bottlenecksComputed, 0);

    const status = await buildStatus(config);
    const hash = status.stages.find((s) => s.stage === 'hash')!;
    assert.equal(status.upToDate, false, 'status said up to date although a photo changed after it was hashed');
    assert.deepEqual(hash.reasons, ['1 file changed']);

    const events: string[] = [];
    const third = await build(config, { onEvent: (event) => event.type === 'stage' && event.stage === 'hash' && event.status !== 'start' && events.push(`${event.status}: ${event.detail}`) });
    const total = second.counts.training + second.counts.validation + second.counts.testing;
    assert.deepEqual(events, [`done: 1 read, ${total - 1} unchanged`]);
    assert.equal(third.bottlenecksComputed, 1);
    assert.equal((await buildStatus(config)).upToDate, true);
  });
});

describe('a file changed while a build read it', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  it('is skipped by that build and is work for the next one, to `retrain status` too', async () => {
    const { images, config } = await project('changed-while-read-', 5);
    const edited = path.join(images, 'bees', (await fs.readdir(path.join(images, 'bees'))).sort()[0]!);
    let appended = false;
    // A first build: every photo is decoded after the hash stage, so the edited one no longer has the hash it was
    // hashed with when its worker reads it (the worker hashes what it decodes) and is skipped, "for now".
    const first = await build(config, {
      onEvent: (event) => {
        if (event.type === 'stage' && event.stage === 'hash' && event.status !== 'start' && !appended) {
          appended = true;
          appendFileSync(edited, ' edited while the build ran');
        }
      },
    });
    assert.deepEqual(first.skipped.map((s) => s.file), [edited]);
    // Before, the stage record listed it as skipped (like an unreadable file), so status said up to date although
    // the next build reads and trains on it.
    const status = await buildStatus(config);
    assert.equal(status.upToDate, false, 'status said up to date although the next build computes the skipped photo');
    assert.deepEqual(status.stages.find((s) => s.stage === 'scan')!.reasons, ['1 new file']);
    const second = await build(config);
    assert.equal(second.bottlenecksComputed, 1);
    assert.deepEqual(second.skipped, []);
    assert.equal((await buildStatus(config)).upToDate, true);
  });
});

describe('a skipped file that changes', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  it('is new to `retrain status` (the next build reads it), and stays skipped while it does not change', async () => {
    const { images, config } = await project('skipped-then-filled-', 4);
    const empty = path.join(images, 'ants', 'later.jpg');
    await fs.writeFile(empty, '');
    const first = await build(config);
    assert.deepEqual(first.skipped, [{ file: empty, reason: 'empty file (0 bytes)' }]);
    assert.equal((await buildStatus(config)).upToDate, true, 'an unchanged skipped file is not new');
    // The photo is copied in at last. Before, status still said up to date (the record only named it as skipped).
    const ant = path.join(images, 'ants', (await fs.readdir(path.join(images, 'ants'))).sort()[0]!);
    await fs.copyFile(ant, empty);
    const status = await buildStatus(config);
    assert.equal(status.upToDate, false, 'status said up to date although the next build reads the filled-in file');
    assert.deepEqual(status.stages.find((s) => s.stage === 'scan')!.reasons, ['1 new file']);
    const second = await build(config);
    assert.deepEqual(second.skipped, []);
    assert.equal((await buildStatus(config)).upToDate, true);
  });
});
