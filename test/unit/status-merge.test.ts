import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/resolved-config.js';
import { sha256Hex } from '../../src/util/content-hash.js';
import { buildStatus } from '../../src/pipeline/stage-status.js';
import { writeStageRecord } from '../../src/pipeline/stage-record.js';
import { rowsOf } from '../../src/util/image-rows.js';
import { hashedNow } from '../helpers/hashed-now.js';

/**
 * `retrain status` merges the record (in path order) with the scan (in the scan's own order, sorted by row number):
 * the counts must be those of comparing the two as sets, whatever the order puts first or last.
 */
describe('retrain status: the record merged with the scan', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'retrain-status-merge-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const images = path.join(dir, 'photos');
  const config = resolveConfig({ imageDir: images, model: path.join(dir, 'no-model'), cacheDir: path.join(dir, 'cache'), outputDir: path.join(dir, 'out') }, dir);
  // The scan goes folder by folder ('a.b' before 'a/…' in path order, after it in the scan's), names that are
  // prefixes of others, non-ASCII names (one above U+FFFF, one in U+E000–U+FFFF: UTF-8 and UTF-16 order differ).
  const names = [
    'ants/a.jpg',
    'ants/a.jpg.jpg',
    'ants/a/b.jpg',
    'ants/a.b/c.jpg',
    'ants/ü.jpg',
    'ants/🐝.jpg',
    'ants/\uff21.jpg',
    'bees/b.jpg',
    'bees/b b.jpg',
    'bees/zz.jpg',
  ];
  const file = (name: string) => path.join(images, name);
  for (const name of names) {
    mkdirSync(path.dirname(file(name)), { recursive: true });
    writeFileSync(file(name), `bytes of ${name}`);
  }
  const rows = (list: string[]) => rowsOf(hashedNow(list.map((name) => ({ path: file(name), sha256: sha256Hex(Buffer.from(`bytes of ${name}`)) }))));
  const changes = async () => {
    const status = await buildStatus(config);
    const reasons = (stage: string) => status.stages.find((s) => s.stage === stage)!.reasons.filter((r) => !r.startsWith('not run'));
    return { scan: reasons('scan'), hash: reasons('hash') };
  };

  it('counts nothing when the record holds every scanned image', async () => {
    await writeStageRecord(config.cacheDir, config.outputDir, new Map(), rows([...names].reverse()), []);
    assert.deepEqual(await changes(), { scan: [], hash: [] });
  });

  it('counts removed images first and last in path order, and new ones between them', async () => {
    // Recorded, no longer there: the first and the last path of all, and one between.
    const gone = ['ants/0.jpg', 'zz/last.jpg', 'ants/a.jpg.b.jpg'];
    for (const name of gone) {
      mkdirSync(path.dirname(file(name)), { recursive: true });
      writeFileSync(file(name), 'gone soon');
    }
    // Not recorded: a name that is a prefix of a recorded one, a non-ASCII one, the last scanned one.
    const absent = ['ants/a.jpg', 'ants/🐝.jpg', 'bees/zz.jpg'];
    await writeStageRecord(config.cacheDir, config.outputDir, new Map(), rows([...names.filter((n) => !absent.includes(n)), ...gone]), []);
    for (const name of gone) rmSync(file(name));
    assert.deepEqual(await changes(), { scan: ['3 new files', '3 removed files'], hash: ['3 new files to hash'] });
  });

  it('counts a skipped file as not new, and hashes a file whose size changed', async () => {
    await writeStageRecord(config.cacheDir, config.outputDir, new Map(), rows(names.filter((n) => n !== 'ants/\uff21.jpg')), [file('ants/\uff21.jpg')]);
    writeFileSync(file('ants/a.b/c.jpg'), 'other bytes, another size');
    assert.deepEqual(await changes(), { scan: [], hash: ['1 file changed'] });
  });
});
