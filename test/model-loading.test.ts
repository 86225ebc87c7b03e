import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../src/engine/model/backend.js';
import { extractFeatures, loadFeatureExtractor } from '../src/engine/feature-extractor.js';
import { identifyModel } from '../src/engine/model-identity.js';
import { resolveModel } from '../src/engine/model/resolve-model.js';
import { DARKNET_DIR, HAS_SHARED, MODEL_DIR, tempDir } from './helpers/shared.js';

describe('model loading', { skip: !HAS_SHARED && 'shared models not found (set RETRAIN_SHARED)' }, () => {
  let server: http.Server;
  let base: string;
  const requests: string[] = [];

  before(async () => {
    // A local web server for the shared model folder: the real download code, no internet.
    server = http.createServer(async (req, res) => {
      requests.push(req.url!);
      try {
        res.end(await fs.readFile(path.join(MODEL_DIR, path.basename(req.url!))));
      } catch {
        res.statusCode = 404;
        res.end('not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('downloads an http(s) model once, verifies it, and gets the same fingerprint as the folder', async () => {
    const cache = await tempDir();
    const local = await identifyModel(await resolveModel(MODEL_DIR, {}, cache), 'wasm');
    const remote = await resolveModel(`${base}/model.json`, {}, cache);
    assert.equal((await identifyModel(remote, 'wasm')).fingerprint, local.fingerprint);
    const fetched = requests.length;
    await resolveModel(`${base}/model.json`, {}, cache);
    assert.equal(requests.length, fetched, 'second use reads the disk cache');
    await fs.writeFile(path.join(path.dirname(remote.modelJson), 'weights.bin'), 'damaged');
    await resolveModel(`${base}/model.json`, {}, cache);
    assert.ok(requests.length > fetched, 'a damaged download is fetched again');
    assert.equal((await identifyModel(remote, 'wasm')).fingerprint, local.fingerprint);
  });

  it('a failing URL is one clear error', async () => {
    await assert.rejects(resolveModel(`${base}/missing.json`, {}, await tempDir()), /missing\.json: download failed \(HTTP 404/);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(resolveModel(`http://127.0.0.1:${port}/model.json`, {}, await tempDir()), /download failed \(ECONNREFUSED\)/);
  });

  it('loads file:// URLs and folders; unknown names list the known ones', async () => {
    const viaUrl = await resolveModel(pathToFileURL(MODEL_DIR).href, {}, await tempDir());
    assert.equal(viaUrl.modelJson, path.join(MODEL_DIR, 'model.json'));
    assert.deepEqual(viaUrl.options.range, [-1, 1], 'a folder named like a known model gets its options');
    await assert.rejects(resolveModel('resnet_9000', {}, await tempDir()), /unknown model "resnet_9000": use one of mobilenet_v2_035_224, darknet_tiny_224/);
    await assert.rejects(resolveModel('/no/such/folder', {}, await tempDir()), /no such folder \/no\/such\/folder; give --model/);
  });

  it('cuts a classifier at a named inner layer and pools it (darknet_tiny_224 → 512-d)', async () => {
    await initBackend('wasm');
    const resolved = await resolveModel(DARKNET_DIR, {}, await tempDir());
    const identity = await identifyModel(resolved, 'wasm');
    const extractor = await loadFeatureExtractor(resolved, identity);
    assert.equal(extractor.featureSize, 512);
    assert.deepEqual(extractor.range, [0, 1]);
    const [vector] = extractFeatures(extractor, [new Uint8Array(224 * 224 * 3).fill(128)]);
    assert.equal(vector!.length, 512);
    const mobilenet = await identifyModel(await resolveModel(MODEL_DIR, {}, await tempDir()), 'wasm');
    assert.notEqual(identity.fingerprint, mobilenet.fingerprint);
    assert.notEqual(identity.preprocessId, mobilenet.preprocessId, 'different value range, different cache keys');
    await assert.rejects(loadFeatureExtractor({ ...resolved, options: { ...resolved.options, featureLayer: 'nope' } }, identity), /no layer named "nope"/);
  });
});
