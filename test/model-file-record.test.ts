/**
 * A TF.js model's content hash comes from a record validated by the stat of model.json and each weight file
 * (src/engine/model/model-file-record.ts), so a rebuild does not read and hash the weights; a changed weight
 * file (or model.json) is read again and changes the model's fingerprint, the key of every cached vector.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readModelFacts } from '../src/engine/model/model-file-record.js';
import { readModelFiles } from '../src/engine/model/read-model-files.js';
import { identifyModel } from '../src/engine/model-identity.js';
import { selectEngine } from '../src/engine/feature-engine.js';
import type { ResolvedModel } from '../src/engine/model/resolve-model.js';
import { HAS_SHARED, MODEL_DIR, tempDir } from './helpers/shared.js';

/** A copy of the shared TF.js model in a fresh folder (its files are changed by the tests), and a cache folder beside it. */
async function copiedModel() {
  const work = await tempDir('retrain-model-record-');
  const dir = path.join(work, 'model');
  await fs.cp(MODEL_DIR, dir, { recursive: true });
  const modelJson = path.join(dir, 'model.json');
  const resolved: ResolvedModel = { source: dir, format: 'tfjs', modelJson, options: {} };
  return { work, dir, modelJson, cacheDir: path.join(work, 'cache'), resolved };
}

describe('TF.js model content hash on record', { skip: !HAS_SHARED && 'shared models/data sets not found' }, () => {
  it('is used while no file changed; a changed weight file or model.json is read again and changes the fingerprint', async () => {
    const { work, dir, modelJson, cacheDir, resolved } = await copiedModel();
    try {
      const fingerprint = async (facts: Awaited<ReturnType<typeof readModelFacts>>) => (await identifyModel(resolved, 'cpu', facts)).fingerprint;

      const first = await readModelFacts(modelJson, cacheDir);
      assert.ok(first.files, 'the first read reads the weights');
      assert.equal(first.contentHash, (await readModelFiles(modelJson)).contentHash);
      const second = await readModelFacts(modelJson, cacheDir);
      assert.equal(second.files, undefined, 'the rebuild takes the hash from the record, without reading the weights');
      assert.equal(second.contentHash, first.contentHash);
      assert.equal(await fingerprint(second), await fingerprint(first));

      // One byte of a weight file changes, its size does not.
      const shard = path.join(dir, first.json.weightsManifest[0]!.paths[0]!);
      const bytes = await fs.readFile(shard);
      bytes[bytes.length >> 1] ^= 0xff;
      await fs.writeFile(shard, bytes);
      const later = new Date(Date.now() + 5000);
      await fs.utimes(shard, later, later);
      const changed = await readModelFacts(modelJson, cacheDir);
      assert.ok(changed.files, 'a changed weight file is read again');
      assert.notEqual(changed.contentHash, first.contentHash);
      assert.equal(changed.contentHash, (await readModelFiles(modelJson)).contentHash);
      assert.notEqual(await fingerprint(changed), await fingerprint(first), 'the model fingerprint (the vectors\' key) changes');
      assert.equal((await readModelFacts(modelJson, cacheDir)).files, undefined, 'and the new hash is on record');

      // A weight file replaced by another (a new inode), same size and mtime.
      const copy = `${shard}.new`;
      bytes[bytes.length >> 1] ^= 0x0f;
      await fs.writeFile(copy, bytes);
      await fs.utimes(copy, later, later);
      await fs.rename(copy, shard);
      const replaced = await readModelFacts(modelJson, cacheDir);
      assert.ok(replaced.files, 'a replaced weight file is read again');
      assert.notEqual(replaced.contentHash, changed.contentHash);

      // model.json edited.
      const json = await fs.readFile(modelJson, 'utf8');
      await fs.writeFile(modelJson, json.replace(/\}\s*$/, ', "userDefinedMetadata": {"x": 1}}'));
      const edited = await readModelFacts(modelJson, cacheDir);
      assert.ok(edited.files);
      assert.notEqual(edited.contentHash, replaced.contentHash);

      // A damaged record costs a read, never a wrong answer.
      const [record] = (await fs.readdir(path.join(cacheDir, 'onnx'))).filter((name) => name.startsWith('tfjs-hash-'));
      await fs.writeFile(path.join(cacheDir, 'onnx', record!), '{"modelJson": 1');
      const afterDamage = await readModelFacts(modelJson, cacheDir);
      assert.ok(afterDamage.files);
      assert.equal(afterDamage.contentHash, edited.contentHash);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });

  it('the engine a build selects keys its vectors by the new weights after a weight file changed', async () => {
    const { work, dir, modelJson, cacheDir, resolved } = await copiedModel();
    try {
      const first = await selectEngine('auto', resolved, cacheDir);
      const again = await selectEngine('auto', resolved, cacheDir);
      assert.equal(again.identity.fingerprint, first.identity.fingerprint);
      assert.equal(again.engine.name, first.engine.name);
      const json = JSON.parse(await fs.readFile(modelJson, 'utf8')) as { weightsManifest: Array<{ paths: string[] }> };
      const shard = path.join(dir, json.weightsManifest.at(-1)!.paths.at(-1)!);
      const bytes = await fs.readFile(shard);
      bytes[bytes.length - 8] ^= 0x01;
      await fs.writeFile(shard, bytes);
      const later = new Date(Date.now() + 5000);
      await fs.utimes(shard, later, later);
      const changed = await selectEngine('auto', resolved, cacheDir);
      assert.notEqual(changed.identity.fingerprint, first.identity.fingerprint, 'a changed weight file changes the model fingerprint');
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });
});
