import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readStageRecord, stageRecordFile, writeStageRecord } from '../src/pipeline/stage-record.js';
import { rowsOf } from '../src/util/image-rows.js';
import type { StageRunRecord } from '../src/pipeline/stage.js';
import { tempDir } from './helpers/shared.js';
import { hashedNow } from './helpers/hashed-now.js';

describe('the stage record (<cacheDir>/stages/<hash>.json) of a no-op build', () => {
  it('is not rewritten when its content would be the same, and is when anything in it changes', async () => {
    const dir = await tempDir('stage-record-');
    const cacheDir = path.join(dir, 'cache');
    const outputDir = path.join(dir, 'out');
    const images: Array<{ path: string; sha256: string }> = [];
    for (let i = 0; i < 200; i++) {
      const file = path.join(dir, `image-${i}.jpg`);
      await fs.writeFile(file, `bytes of image ${i}`);
      images.push({ path: file, sha256: String(i).padStart(64, '0') });
    }
    const stages = new Map<string, StageRunRecord>([['split', { key: 'k1', config: { seed: 1 }, upstream: { hash: 'h' } }]]);
    const file = stageRecordFile(cacheDir, outputDir);
    const identity = async () => {
      const stat = await fs.stat(file, { bigint: true });
      return `${stat.ino} ${stat.mtimeNs} ${stat.ctimeNs}`;
    };

    await writeStageRecord(cacheDir, outputDir, stages, rowsOf(hashedNow(images)), []);
    const first = await identity();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writeStageRecord(cacheDir, outputDir, stages, rowsOf(hashedNow(images)), []);
    assert.equal(await identity(), first, 'an identical record was written again');

    // A change in a stage, an image or the skipped files is written.
    const changes: Array<() => Promise<void>> = [
      () => writeStageRecord(cacheDir, outputDir, new Map([['split', { key: 'k2', config: { seed: 1 }, upstream: { hash: 'h' } }]]), rowsOf(hashedNow(images)), []),
      async () => {
        await fs.appendFile(images[7]!.path, ' and more');
        await writeStageRecord(cacheDir, outputDir, new Map([['split', { key: 'k2', config: { seed: 1 }, upstream: { hash: 'h' } }]]), rowsOf(hashedNow(images)), []);
      },
      () => writeStageRecord(cacheDir, outputDir, new Map([['split', { key: 'k2', config: { seed: 1 }, upstream: { hash: 'h' } }]]), rowsOf(hashedNow(images)), ['unreadable.jpg']),
    ];
    let before = first;
    for (const change of changes) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await change();
      const now = await identity();
      assert.notEqual(now, before, 'a changed record was not written');
      before = now;
    }
    const record = await readStageRecord(cacheDir, outputDir);
    assert.equal(record?.stages.split?.key, 'k2');
    assert.deepEqual(record?.skipped, ['unreadable.jpg']);
    assert.equal(record?.images[images[7]!.path]?.size, 'bytes of image 7 and more'.length);
  });
});
