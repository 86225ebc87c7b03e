import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { walkRecordPath } from '../src/store/cache-walk-record.js';
import { RetrainCache } from '../src/store/retrain-cache.js';
import { tempDir } from './helpers/shared.js';

/** A real cache with enough vectors for a tree of several levels and overflow pages, closed. */
async function makeCache(dir: string): Promise<void> {
  const cache = RetrainCache.open(dir);
  for (let i = 0; i < 600; i++) {
    const vector = new Float32Array(1280).map((_, j) => Math.sin(i * 1280 + j));
    void cache.putBottleneck(`model:pre:${String(i).padStart(64, '0')}`, vector);
    void cache.putFileRecord(`/photos/${i}.jpg`, { size: i, mtimeMs: i, ino: i, sha256: '00'.repeat(32) });
  }
  await cache.flushed();
  await cache.close();
}

/** Offset of the root page of the main database of the newer meta page (a page every walk reads). */
function rootPageOffset(bytes: Buffer): number {
  const pageSize = bytes.readUInt32LE(48);
  const newer = bytes.readBigUInt64LE(pageSize + 152) > bytes.readBigUInt64LE(152) ? pageSize : 0;
  return Number(bytes.readBigUInt64LE(newer + 136)) * pageSize;
}

async function openOnce(dir: string): Promise<boolean> {
  const cache = RetrainCache.open(dir);
  const walked = cache.walkedPages;
  await cache.close();
  return walked;
}

describe('the page walk of the cache file is skipped when the file is the one retrain last walked or wrote', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = await tempDir('walk-record-');
    file = path.join(dir, 'cache.lmdb');
  });

  it('a cache retrain wrote and closed is not walked on the next opens; without the record it is', async () => {
    await makeCache(dir);
    assert.equal(await openOnce(dir), false, 'second open walked');
    assert.equal(await openOnce(dir), false, 'third open walked');
    await fs.rm(walkRecordPath(file));
    assert.equal(await openOnce(dir), true, 'no record: walked');
    assert.equal(await openOnce(dir), false, 'after that walk: not walked');
  });

  it('a damaged or foreign record means a walk', async () => {
    for (const text of ['{"version":1,"size":', '{"version":1}', JSON.stringify({ version: 1, size: '1', ino: '1', dev: '1', mtimeNs: '1', ctimeNs: '1', txnid: '1', metaDigest: 'x' })]) {
      await fs.writeFile(walkRecordPath(file), text);
      assert.equal(await openOnce(dir), true, `record ${text}: walked`);
    }
    assert.equal(await openOnce(dir), false);
  });

  it('cache verify (thorough) always walks', () => {
    const cache = RetrainCache.open(dir, { thorough: true });
    assert.equal(cache.walkedPages, true);
    return cache.close();
  });

  it('bytes overwritten behind its back with the mtime restored (utimes): walked, and refused as damaged as today', async () => {
    assert.equal(await openOnce(dir), false);
    const good = await fs.readFile(file);
    const before = await fs.stat(file, { bigint: true });
    const bytes = Buffer.from(good);
    bytes.fill(0xa5, rootPageOffset(bytes), rootPageOffset(bytes) + 64);
    const handle = await fs.open(file, 'r+');
    await handle.write(bytes, rootPageOffset(bytes), 64, rootPageOffset(bytes));
    await handle.close();
    // To the nanosecond (utimes through a Date would keep milliseconds only): GNU touch.
    const ns = before.mtimeNs;
    execFileSync('touch', ['-m', '-d', `@${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`, file]);
    assert.equal((await fs.stat(file, { bigint: true })).mtimeNs, ns, 'mtime restored to the nanosecond');
    assert.throws(() => RetrainCache.open(dir), /the cache file .+ is damaged/);
    await fs.writeFile(file, good);
    assert.equal(await openOnce(dir), true, 'restored file: walked');
    assert.equal(await openOnce(dir), false);
  });

  it('a truncated file: refused as damaged, never mapped', async () => {
    const good = await fs.readFile(file);
    await fs.truncate(file, good.length - 8192);
    assert.throws(() => RetrainCache.open(dir), /the cache file .+ is damaged \(.*truncated\)/);
    await fs.writeFile(file, good);
  });

  it('the record is written atomically beside the cache, and nothing else is left there', async () => {
    assert.equal(await openOnce(dir), true);
    const names = (await fs.readdir(dir)).sort();
    assert.deepEqual(names, ['cache.lmdb', 'cache.lmdb-lock', 'cache.lmdb-walked.json']);
    const record = JSON.parse(await fs.readFile(walkRecordPath(file), 'utf8')) as Record<string, string>;
    assert.equal(record.size, String((await fs.stat(file)).size));
  });
});
