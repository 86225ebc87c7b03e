import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { open } from 'lmdb';
import { compactCache } from '../src/store/cache-compaction.js';
import { cacheStats, collectGarbage, verifyCache } from '../src/app/cache-maintenance.js';
import type { BuildEvent } from '../src/pipeline/build-events.js';
import { RetrainCache } from '../src/store/retrain-cache.js';
import { resolveConfig, type ResolvedConfig } from '../src/config/resolved-config.js';
import { build } from '../src/pipeline/build.js';
import { checkStoredGraph, verifyGraphs } from '../src/engine/onnx/graph-store.js';
import { copySubset, HAS_SHARED, MODEL_DIR, REPO_ROOT, tempDir } from './helpers/shared.js';

describe('retrain cache stats | verify | gc', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  let config: ResolvedConfig;
  let images: string;

  before(async () => {
    images = await copySubset(4);
    const work = await tempDir();
    config = resolveConfig({ imageDir: images, model: MODEL_DIR, train: { steps: 50 }, cacheDir: path.join(work, 'cache'), outputDir: path.join(work, 'out') }, work);
    assert.equal((await build(config)).bottlenecksComputed, 8);
  });

  const withCache = async <T>(use: (cache: RetrainCache) => Promise<T> | T): Promise<T> => {
    const cache = RetrainCache.open(config.cacheDir);
    try {
      return await use(cache);
    } finally {
      await cache.close();
    }
  };

  it('stats counts entries per table and per model', async () => {
    const stats = await withCache(cacheStats);
    assert.equal(stats.entries.bottlenecks, 8);
    assert.equal(stats.entries.files, 8);
    assert.equal(stats.entries.heads, 1);
    assert.deepEqual(Object.values(stats.bottlenecksByModel), [8]);
    assert.ok(stats.diskBytes > 8 * 1280 * 4);
  });

  it('verify removes damaged entries, and the next build recomputes only those', async () => {
    const removed = await withCache(async (cache) => {
      const [victim] = [...cache.entries('bottlenecks')][0]!;
      await cache.putBottleneck(victim, new Float32Array(100));
      const model = victim.slice(0, victim.lastIndexOf(':'));
      await cache.putBottleneck(`${model}:${'f'.repeat(64)}`, new Float32Array(1280).fill(Number.NaN));
      await cache.flushed();
      return (await verifyCache(cache)).removed;
    });
    assert.deepEqual(removed.map((r) => r.reason).sort(), ['100 values where this model has 1280', 'non-finite values']);
    const result = await build(config);
    assert.equal(result.bottlenecksComputed, 1);
    assert.equal((await withCache(verifyCache)).removed.length, 0);
  });

  it('gc drops what no image uses, and other models\' entries unless asked to keep them', async () => {
    await fs.rm(path.join(images, 'ants', (await fs.readdir(path.join(images, 'ants')))[0]!));
    await withCache(async (cache) => {
      await cache.putBottleneck(`0123456789abcdef:other-preprocessing:${'a'.repeat(64)}`, new Float32Array(8));
      await cache.flushed();
    });
    const kept = await withCache((cache) => collectGarbage(cache, config, { keepOtherModels: true }));
    assert.deepEqual(kept.removed, { bottlenecks: 1, failures: 0, files: 1, heads: 0, onnxGraphs: 0, formerFormat: 0 });
    assert.equal(kept.kept, 8);
    const otherGraph = path.join(config.cacheDir, 'onnx', '0123456789abcdef.onnx');
    await fs.mkdir(path.dirname(otherGraph), { recursive: true });
    await fs.writeFile(otherGraph, 'another model\'s graph');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await fs.utimes(otherGraph, twoHoursAgo, twoHoursAgo); // unused for longer than gc's grace period
    const graphsBefore = await fs.readdir(path.dirname(otherGraph));
    const dropped = await withCache((cache) => collectGarbage(cache, config));
    assert.equal(dropped.removed.bottlenecks, 1, 'the other model\'s entry');
    assert.equal(dropped.removed.onnxGraphs, 1, 'the other model\'s graph');
    assert.deepEqual(await fs.readdir(path.dirname(otherGraph)), graphsBefore.filter((name) => name !== path.basename(otherGraph)));
    assert.equal((await build(config)).bottlenecksComputed, 0, 'everything still used is still there');
  });

  it('a vector or head damaged on disk (finite but wrong) is found by verify, and a build recomputes it with one warning', async () => {
    const reference = await build(config);
    const manifest = JSON.parse(await fs.readFile(path.join(config.outputDir, 'manifest.json'), 'utf8')) as { headFingerprint: string };
    const { victim, head } = await withCache((cache) => {
      const [key] = [...cache.entries('bottlenecks')][0]!;
      return { victim: cache.getBottleneck(key)!, head: cache.getHead(manifest.headFingerprint)! };
    });
    // 256 bytes overwritten with other finite floats, inside the vector and inside the head's weights.
    const file = path.join(config.cacheDir, 'cache.lmdb');
    const bytes = await fs.readFile(file);
    for (const floats of [victim, head.weights]) {
      const at = bytes.indexOf(Buffer.from(floats.buffer, floats.byteOffset, 64));
      assert.ok(at > 0, 'found in the file');
      bytes.set(Buffer.from(new Float32Array(64).fill(0.5).buffer), at + 1024);
    }
    await fs.writeFile(file, bytes);
    const found = await withCache(async (cache) => {
      const copy = path.join(path.dirname(file), 'before-verify.lmdb');
      await fs.copyFile(file, copy);
      const result = await verifyCache(cache);
      return { result, copy };
    });
    assert.deepEqual(found.result.removed.map((r) => [r.table, r.reason]).sort(), [['bottlenecks', 'checksum mismatch'], ['heads', 'checksum mismatch']]);
    // The same damage, not verified first: the build finds it on read.
    await fs.copyFile(found.copy, file);
    await fs.rm(found.copy);
    const warnings: string[] = [];
    const rebuilt = await build(config, { onEvent: (event: BuildEvent) => event.type === 'warning' && warnings.push(event.message) });
    assert.equal(rebuilt.bottlenecksComputed, 1);
    assert.equal(rebuilt.trained, true, 'the damaged head is not used');
    assert.equal(rebuilt.testAccuracy, reference.testAccuracy);
    assert.deepEqual(warnings.filter((w) => w.includes('damaged')), ['2 cache entries were damaged (checksum mismatch) and recomputed; "retrain cache verify" checks the rest']);
    assert.equal((await withCache(verifyCache)).removed.length, 0);
  });

  it('a converted ONNX graph damaged on disk is found by verify, and a build converts it again', { skip: !existsSync(path.join(REPO_ROOT, 'node_modules/onnxruntime-node')) && 'onnxruntime-node is not installed' }, async () => {
    const graphs = path.join(config.cacheDir, 'onnx');
    const graphFile = async () => path.join(graphs, (await fs.readdir(graphs)).find((name) => name.endsWith('.onnx'))!);
    const damage = async () => {
      const file = await graphFile();
      const bytes = await fs.readFile(file);
      bytes.set(Buffer.alloc(256, 7), Math.floor(bytes.length / 2));
      await fs.writeFile(file, bytes);
    };
    const file = await graphFile();
    await damage();
    assert.deepEqual((await verifyGraphs(config.cacheDir)).removed, [file]);
    assert.equal(existsSync(file), false, 'verify removed it');
    await build(config);
    assert.equal(await checkStoredGraph(file), 'ok', 'the next build converted it again');
    await damage();
    const notes: string[] = [];
    const result = await build(config, { onEvent: (event: BuildEvent) => event.type === 'backend' && event.note !== undefined && notes.push(event.note) });
    assert.equal(result.backend, 'onnxruntime');
    assert.deepEqual(notes, ['the converted ONNX graph in the cache was damaged (checksum mismatch) and was converted again']);
    assert.equal(await checkStoredGraph(file), 'ok');
  });

  it('entries of the former (unchecked) format are never read, and gc drops them', async () => {
    const root = open({ path: path.join(config.cacheDir, 'cache.lmdb'), maxDbs: 12, compression: false });
    const former = root.openDB<Buffer, string>({ name: 'bottlenecks', encoding: 'binary' });
    const [key] = await withCache((cache) => [...cache.entries('bottlenecks')][0]!);
    await former.put(`${key.slice(0, key.lastIndexOf(':'))}:${'e'.repeat(64)}`, Buffer.alloc(1280 * 4));
    await root.close();
    assert.equal((await withCache(cacheStats)).formerFormatEntries, 1);
    const result = await withCache((cache) => collectGarbage(cache, config));
    assert.equal(result.removed.formerFormat, 1);
    assert.equal((await withCache(cacheStats)).formerFormatEntries, 0);
  });

  it('gc leaves a smaller file: the removed entries\' pages are given back', async () => {
    const extra = await withCache(async (cache) => {
      const [key] = [...cache.entries('bottlenecks')][0]!;
      const model = key.slice(0, key.lastIndexOf(':'));
      for (let i = 0; i < 400; i++) void cache.putBottleneck(`${model}:${i.toString(16).padStart(64, '0')}`, new Float32Array(1280).fill(i));
      await cache.flushed();
      return 400;
    });
    const before = (await fs.stat(path.join(config.cacheDir, 'cache.lmdb'))).size;
    const removed = await withCache((cache) => collectGarbage(cache, config));
    assert.equal(removed.removed.bottlenecks, extra);
    const compaction = await compactCache(RetrainCache.open(config.cacheDir));
    const after = (await fs.stat(path.join(config.cacheDir, 'cache.lmdb'))).size;
    assert.ok(compaction.compacted, JSON.stringify(compaction));
    assert.ok(compaction.bytesBefore >= before, 'removing entries alone never shrinks an LMDB file');
    assert.equal(compaction.bytesAfter, after);
    assert.ok(after < before / 4, `${before} → ${after} bytes`);
    assert.equal((await withCache(verifyCache)).removed.length, 0);
    assert.equal((await build(config)).bottlenecksComputed, 0, 'everything still used is still there');
  });

  it('gc does not swap the file under another process that has the cache open', async () => {
    const other = await import('node:child_process').then(({ spawn }) =>
      spawn(process.execPath, ['--input-type=module', '-e', `import { open } from 'lmdb'; const db = open({ path: ${JSON.stringify(path.join(config.cacheDir, 'cache.lmdb'))}, maxDbs: 12 }); console.log('open'); setInterval(() => {}, 1000);`], {
        cwd: path.dirname(new URL(import.meta.url).pathname),
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    try {
      await new Promise((resolve) => other.stdout!.once('data', resolve));
      const compaction = await compactCache(RetrainCache.open(config.cacheDir));
      assert.equal(compaction.compacted, false);
      assert.match((compaction as { reason: string }).reason, new RegExp(`^in use by process .*\\b${other.pid}\\b`));
    } finally {
      other.kill();
    }
  });
});
