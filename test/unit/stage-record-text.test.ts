import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readStageRecord, stageRecordFile, writeStageRecord, type RecordedImage } from '../../src/pipeline/stage-record.js';
import { rowsOf } from '../../src/util/image-rows.js';
import { STAGE_RECORD_FORMAT } from '../../src/store/keys.js';

describe('stage record text', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'retrain-stage-record-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const cacheDir = path.join(dir, 'cache');
  const outputDir = path.join(dir, 'out');
  // Enough images for the text to be written in several pieces (1 MB each), names JSON must escape among them.
  const names = ['quote "a".jpg', 'back\\slash.jpg', 'ünïcødé 🐝.jpg', 'tab\t.jpg', ...Array.from({ length: 12_000 }, (_, i) => `img_${i}.jpg`)];
  const images = names.map((name, i) => ({ path: path.join(dir, name), sha256: (i * 2654435761).toString(16).padStart(64, '0') }));
  for (const image of images) writeFileSync(image.path, image.sha256);
  // One image whose file is gone by the time the record is written: it is left out, as before.
  images.push({ path: path.join(dir, 'gone.jpg'), sha256: 'f'.repeat(64) });
  const stages = new Map([['split', { key: 'k', config: { 'split.testingPercentage': 10 }, upstream: { images: 'u' } }]]);
  const skipped = ['/x/"skipped".jpg'];

  /** The text as JSON.stringify of the whole record gives it (what writeStageRecord wrote before it was streamed). */
  const wholeText = (skippedNow = skipped) => {
    const recorded: Record<string, RecordedImage> = {};
    for (const image of images) {
      const stat = statSync(image.path, { throwIfNoEntry: false });
      if (stat) recorded[image.path] = { size: stat.size, mtimeMs: stat.mtimeMs, sha256: image.sha256 };
    }
    return JSON.stringify({ format: STAGE_RECORD_FORMAT, outputDir, stages: Object.fromEntries(stages), images: recorded, skipped: skippedNow });
  };

  it('is byte for byte JSON.stringify of the record, written in pieces', async () => {
    await writeStageRecord(cacheDir, outputDir, stages, rowsOf(images), skipped);
    const text = readFileSync(stageRecordFile(cacheDir, outputDir), 'utf8');
    assert.ok(text.length > 1 << 20, `the text is ${text.length} characters: more than one piece`);
    assert.equal(text, wholeText());
    const record = await readStageRecord(cacheDir, outputDir);
    assert.equal(Object.keys(record!.images).length, images.length - 1);
  });

  it('leaves an identical record as it is and rewrites a changed one', async () => {
    const file = stageRecordFile(cacheDir, outputDir);
    const before = statSync(file).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writeStageRecord(cacheDir, outputDir, stages, rowsOf(images), skipped);
    assert.equal(statSync(file).mtimeMs, before);
    writeFileSync(images[5]!.path, 'changed content, another size');
    await writeStageRecord(cacheDir, outputDir, stages, rowsOf(images), skipped);
    assert.notEqual(statSync(file).mtimeMs, before);
    assert.equal(readFileSync(file, 'utf8'), wholeText());
  });

  // Before the fix a changed record's text was made twice: once to compare it with the file, again to write it.
  it('makes the text of a changed record once, and writes it byte for byte', async () => {
    const stringified = async (out: string, skippedNow: string[]) => {
      const stringify = JSON.stringify;
      let calls = 0;
      JSON.stringify = ((...args: Parameters<typeof stringify>) => (calls++, stringify(...args))) as typeof stringify;
      try {
        await writeStageRecord(cacheDir, out, stages, rowsOf(images), skippedNow);
      } finally {
        JSON.stringify = stringify;
      }
      return calls;
    };
    // The text's last piece changes (the skipped files): all that comes before it matches the file.
    const changed = await stringified(outputDir, ['/x/another.jpg']);
    assert.equal(readFileSync(stageRecordFile(cacheDir, outputDir), 'utf8'), wholeText(['/x/another.jpg']));
    // The same record written where there was none: made once.
    assert.equal(changed, await stringified(path.join(dir, 'other-out'), ['/x/another.jpg']));
    await writeStageRecord(cacheDir, outputDir, stages, rowsOf(images), skipped);
    assert.equal(readFileSync(stageRecordFile(cacheDir, outputDir), 'utf8'), wholeText());
  });

  it('rewrites a record that holds the text and more', async () => {
    const file = stageRecordFile(cacheDir, outputDir);
    writeFileSync(file, `${wholeText()} `);
    await writeStageRecord(cacheDir, outputDir, stages, rowsOf(images), skipped);
    assert.equal(readFileSync(file, 'utf8'), wholeText());
  });
});
