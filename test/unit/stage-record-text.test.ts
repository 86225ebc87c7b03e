import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readRecordedImages, readStageRecord, readStageRecordState, stageRecordFile, writeStageRecord, type RecordedImage, type RecordRows } from '../../src/pipeline/stage-record.js';
import { rowsOf } from '../../src/util/image-rows.js';
import { hashedNow } from '../helpers/hashed-now.js';
import { STAGE_RECORD_FORMAT } from '../../src/store/keys.js';

describe('stage record file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'retrain-stage-record-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const cacheDir = path.join(dir, 'cache');
  const outputDir = path.join(dir, 'out');
  // Enough images for the record to be written and read in several pieces (1 MB each), in no path order, with names
  // an escaping text format would have to escape, non-ASCII ones, and names that are prefixes of others.
  const names = ['quote "a".jpg', 'back\\slash.jpg', 'ünïcødé 🐝.jpg', 'tab\t.jpg', 'new\nline.jpg', 'img_1.jpg.jpg', ...Array.from({ length: 12_000 }, (_, i) => `img_${(i * 7919) % 12_000}.jpg`)];
  const images = names.map((name, i) => ({ path: path.join(dir, name), sha256: (i * 2654435761).toString(16).padStart(64, '0') }));
  for (const image of images) writeFileSync(image.path, image.sha256);
  // One image whose file is gone by the time the record is written: it is kept, with the size and time it was hashed
  // with (before, the writer stat'ed every file again and left it out; `retrain status` now says it was removed).
  images.push({ path: path.join(dir, 'gone.jpg'), sha256: 'f'.repeat(64) });
  const GONE = { size: 5, mtimeMs: 1 };
  /** The rows as the build hands them over: each image's facts from when it was hashed (now, here). */
  const hashed = (list: typeof images) => rowsOf(hashedNow(list, GONE));
  const stages = new Map([['split', { key: 'k', config: { 'split.testingPercentage': 10 }, upstream: { images: 'u' } }]]);
  const skipped = ['/x/"skipped".jpg'];

  /** Every image with its file's facts now (the gone one's as given), by path. */
  const expected = () => {
    const recorded: Record<string, RecordedImage> = {};
    for (const image of images) {
      const stat = statSync(image.path, { throwIfNoEntry: false });
      recorded[image.path] = { ...(stat ? { size: stat.size, mtimeMs: stat.mtimeMs } : GONE), sha256: image.sha256 };
    }
    return recorded;
  };
  /** The entries as the record lists them, in its order. */
  const entries = async () => {
    const read = await readStageRecordState(cacheDir, outputDir);
    assert.ok('record' in read, JSON.stringify(read));
    const all = [];
    for await (const batch of read.images()) all.push(...batch);
    return { head: read.record, all };
  };

  it('holds the header, then every image in path order, read back as written, in pieces', async () => {
    await writeStageRecord(cacheDir, outputDir, stages, hashed(images), skipped);
    const file = stageRecordFile(cacheDir, outputDir);
    assert.ok(statSync(file).size > 1 << 20, 'more than one piece');
    assert.ok(readFileSync(file, 'utf8').startsWith(`{"format":"${STAGE_RECORD_FORMAT}",`));
    const { head, all } = await entries();
    assert.deepEqual(head, { format: STAGE_RECORD_FORMAT, outputDir, stages: Object.fromEntries(stages), skipped, images: images.length });
    const paths = all.map((e) => e.path);
    assert.deepEqual(paths, images.map((i) => i.path).sort());
    const record = await readStageRecord(cacheDir, outputDir);
    assert.deepEqual(record!.images, expected());
    assert.deepEqual(record!.skipped, skipped);
  });

  it('leaves an identical record as it is and rewrites a changed one', async () => {
    const file = stageRecordFile(cacheDir, outputDir);
    const before = statSync(file).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writeStageRecord(cacheDir, outputDir, stages, hashed([...images].reverse()), skipped);
    assert.equal(statSync(file).mtimeMs, before, 'the same images in another row order are the same record');
    writeFileSync(images[5]!.path, 'changed content, another size');
    await writeStageRecord(cacheDir, outputDir, stages, hashed(images), skipped);
    assert.notEqual(statSync(file).mtimeMs, before);
    assert.deepEqual((await readStageRecord(cacheDir, outputDir))!.images, expected());
  });

  // Before the fix a changed record's text was made twice: once to compare it with the file, again to write it.
  it('makes the bytes of a changed record once, and writes them all', async () => {
    const reads = async (out: string, skippedNow: string[]) => {
      let calls = 0;
      const rows = hashed(images);
      const counting: RecordRows = { count: rows.count, path: (i) => rows.path(i), sha256: (i) => (calls++, rows.sha256(i)), size: (i) => rows.size(i), mtimeMs: (i) => rows.mtimeMs(i) };
      await writeStageRecord(cacheDir, out, stages, counting, skippedNow);
      return calls;
    };
    // The header changes (the skipped files): all that comes after it is made once, written from the new bytes.
    const changed = await reads(outputDir, ['/x/another.jpg']);
    assert.equal(changed, images.length);
    assert.deepEqual((await readStageRecord(cacheDir, outputDir))!.skipped, ['/x/another.jpg']);
    assert.deepEqual((await readStageRecord(cacheDir, outputDir))!.images, expected());
    // The same record written where there was none: made once.
    assert.equal(changed, await reads(path.join(dir, 'other-out'), ['/x/another.jpg']));
    await writeStageRecord(cacheDir, outputDir, stages, hashed(images), skipped);
    assert.deepEqual((await readStageRecord(cacheDir, outputDir))!.skipped, skipped);
  });

  // Watch asks for the few paths that were added and removed while it waited, not the whole record (a million entries).
  it('reads back only the images asked for, as the whole record has them', async () => {
    const whole = (await readStageRecord(cacheDir, outputDir))!.images;
    const wanted = new Set([images[0]!.path, images[7]!.path, images.at(-1)!.path, path.join(dir, 'never-recorded.jpg')]);
    const found = await readRecordedImages(cacheDir, outputDir, wanted);
    assert.deepEqual([...found!.keys()].sort(), [images[0]!.path, images[7]!.path, images.at(-1)!.path].sort());
    for (const [file, image] of found!) assert.deepEqual(image, whole[file]);
    assert.equal(await readRecordedImages(cacheDir, path.join(dir, 'no-such-out'), wanted), undefined);
  });

  it('rewrites a record that holds the record and more', async () => {
    const file = stageRecordFile(cacheDir, outputDir);
    const whole = readFileSync(file);
    writeFileSync(file, Buffer.concat([whole, Buffer.from(' ')]));
    await assert.rejects(entries(), /more bytes after its \d+ images/);
    await writeStageRecord(cacheDir, outputDir, stages, hashed(images), skipped);
    assert.deepEqual(readFileSync(file), whole);
  });

  it('says a record cut short, out of order or of an older format is not one to compare with', async () => {
    const file = stageRecordFile(cacheDir, outputDir);
    const whole = readFileSync(file);
    writeFileSync(file, whole.subarray(0, whole.length >> 1));
    await assert.rejects(entries(), (e: Error) => e.message.includes(`of its ${images.length} images)`) && /damaged \(cut short after \d+ of/.test(e.message));
    // Two entries swapped: the merge would count both as new and removed, so the reader refuses the order.
    const at = whole.indexOf(0x0a) + 1;
    const first = 4 + whole.readUInt32LE(at) + 48;
    const second = 4 + whole.readUInt32LE(at + first) + 48;
    writeFileSync(file, Buffer.concat([whole.subarray(0, at), whole.subarray(at + first, at + first + second), whole.subarray(at, at + first), whole.subarray(at + first + second)]));
    await assert.rejects(entries(), /not in path order at image 2/);
    // What an older retrain wrote (one JSON object) is outdated, not damaged, and not read past its format.
    writeFileSync(file, JSON.stringify({ format: 'retrain-stages@1', outputDir, stages: {}, images: {}, skipped: [] }));
    assert.deepEqual(await readStageRecordState(cacheDir, outputDir), { older: 'retrain-stages@1', file });
    writeFileSync(file, '');
    assert.deepEqual(await readStageRecordState(cacheDir, outputDir), { damaged: 'empty', file });
    writeFileSync(file, '{"format":"retrain-stages@9"}\n');
    assert.deepEqual(await readStageRecordState(cacheDir, outputDir), { damaged: `format "retrain-stages@9", not ${STAGE_RECORD_FORMAT}`, file });
    await writeStageRecord(cacheDir, outputDir, stages, hashed(images), skipped);
    assert.deepEqual(readFileSync(file), whole);
  });
});
