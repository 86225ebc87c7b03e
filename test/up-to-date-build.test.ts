import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { resolveConfig, type ResolvedConfig } from '../src/config/resolved-config.js';
import type { BuildEvent } from '../src/pipeline/build-events.js';
import type { BuildResult } from '../src/pipeline/build-result.js';
import { build } from '../src/pipeline/build.js';
import { upToDateRecordFile } from '../src/pipeline/up-to-date-record.js';
import { RetrainCache } from '../src/store/retrain-cache.js';
import { copySubset, HAS_SHARED, MODEL_DIR, tempDir } from './helpers/shared.js';

/**
 * The up-to-date check (src/pipeline/up-to-date-build.ts): a rebuild with nothing changed answers from one
 * small record (the split is not even run: "split: up-to-date"), and anything that could change a stage's
 * key — a touched, added, removed or renamed file, another setting, a cache written since, a damaged record —
 * takes the full path ("split: done") and gives what the full path gives.
 */
describe('the up-to-date build (no per-image work when nothing changed)', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  let work: string;
  let images: string;
  let configOf: (learningRate?: number) => ResolvedConfig;

  before(async () => {
    work = await tempDir('up-to-date-');
    images = await copySubset(6, 'train', path.join(work, 'photos'));
    // A file the hash stage skips (empty): the up-to-date result still names it.
    await fs.writeFile(path.join(images, 'ants', 'empty.jpg'), '');
    configOf = (learningRate = 0.01) =>
      resolveConfig(
        {
          imageDir: images,
          model: MODEL_DIR,
          train: { steps: 10, learningRate },
          split: { validationPercentage: 20, testingPercentage: 20 },
          outputLabels: 'labels.txt',
          workers: 1,
          cacheDir: 'cache',
          outputDir: 'out',
        },
        work,
      );
  });

  const run = async (config = configOf()) => {
    const events: BuildEvent[] = [];
    const result = await build(config, { onEvent: (event) => events.push(event) });
    const split = events.find((e) => e.type === 'stage' && e.stage === 'split' && e.status !== 'start');
    const fast = split?.type === 'stage' && split.status === 'up-to-date';
    return { result, events, fast };
  };
  const comparable = ({ durationMs: _, ...rest }: BuildResult) => rest;
  const hashSaid = (r: { events: BuildEvent[] }) => {
    const said = r.events.find((e) => e.type === 'stage' && e.stage === 'hash' && e.status !== 'start');
    return said?.type === 'stage' ? said.detail : undefined;
  };
  const recordFile = () => upToDateRecordFile(path.join(work, 'cache'), path.join(work, 'out'));
  /** The result of the full path for the same state: the record set aside for one build, then put back. */
  const fullPath = async () => {
    const saved = await fs.readFile(recordFile());
    await fs.rm(recordFile());
    const full = await run();
    assert.equal(full.fast, false, 'without its record the build must take the full path');
    await fs.writeFile(recordFile(), saved);
    return full;
  };

  it('answers a no-op rebuild from its record, with the result and messages of the full path', async () => {
    const first = await run();
    assert.equal(first.result.trained, true);
    assert.equal(first.fast, false);
    // Before the fix the skipped empty file was counted as unchanged: "12 read, 1 unchanged", "13 files unchanged".
    assert.equal(hashSaid(first), '12 read, 0 unchanged, 1 skipped');
    const again = await run();
    assert.equal(again.fast, true, 'a rebuild with nothing changed must be up to date from its record');
    const stages = again.events.filter((e) => e.type === 'stage' && e.status !== 'start').map((e) => e.type === 'stage' && `${e.stage}: ${e.status}`);
    assert.deepEqual(stages, ['scan: done', 'hash: up-to-date', 'bottleneck: up-to-date', 'split: up-to-date', 'augment: up-to-date', 'train: up-to-date', 'evaluate: up-to-date', 'export: up-to-date']);
    assert.ok(again.result.skipped.some((s) => s.file.endsWith('empty.jpg')), 'the skipped empty file is still reported');
    const full = await fullPath();
    assert.match(hashSaid(full)!, /^12 files unchanged \(.*\), 1 skipped$/);
    assert.deepEqual(comparable(again.result), comparable(full.result));
    const messages = (r: { events: BuildEvent[] }) => r.events.filter((e) => e.type === 'info' || e.type === 'warning' || e.type === 'skipped' || e.type === 'scanned');
    assert.deepEqual(messages(again), messages(full));
  });

  // Before the fix the record held every misclassified test image (7.6 MB of it at 1,000,000 images), read by every
  // rebuild, also those that then took the full path: now they are read from the stored evaluation, once up to date.
  it('keeps the misclassified test images out of its record, and gives them as the full path does', async () => {
    await run();
    const record = await fs.readFile(recordFile());
    assert.equal(record.indexOf('"misclassified"'), -1, 'the record holds no list of misclassified images');
    const again = await run();
    assert.equal(again.fast, true);
    const full = await fullPath();
    assert.deepEqual(again.result.misclassified, full.result.misclassified);
    // The stored evaluation gone: the full path (which evaluates and stores it again), never a result without it.
    await fs.rm(path.join(work, 'cache', 'evaluations'), { recursive: true });
    const without = await run();
    assert.equal(without.fast, false);
    assert.deepEqual(comparable(without.result), comparable(full.result));
    assert.equal((await run()).fast, true);
  });

  // Before the fix: a truncated weights.bin (or model.onnx, labels.txt, model.json) in the output folder was
  // "model up to date" for ever, while predict said "damaged … rebuild the model with retrain build".
  it('a model file damaged in the output folder is found, said, and exported again', async () => {
    await run();
    assert.equal((await run()).fast, true);
    for (const name of ['weights.bin', 'model.onnx', 'labels.txt', 'model.json']) {
      const file = path.join(work, 'out', name);
      const exported = await fs.readFile(file);
      await fs.writeFile(file, exported.subarray(0, exported.length >> 1));
      const repaired = await run();
      assert.equal(repaired.fast, false, `${name}: the full path must run`);
      assert.equal(repaired.result.exported, true, `${name}: exported again`);
      const warnings = repaired.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
      assert.ok(warnings.includes(`the model in ${path.join(work, 'out')} is damaged (${name} changed since the export): exporting it again`), `${name}: ${warnings.join('\n')}`);
      assert.deepEqual(await fs.readFile(file), exported, `${name}: as exported before`);
      assert.equal((await run()).fast, true, `${name}: up to date from its record again`);
    }
  });

  // Before the fix: an export made before manifests recorded file hashes (no `files`) was never checked, so a
  // truncated model.onnx in it stayed "model up to date" (status: up to date) for ever.
  it('an export whose manifest records no file hashes (an older retrain) is exported again once', async () => {
    await run();
    const manifestFile = path.join(work, 'out', 'manifest.json');
    const { files: _, ...older } = JSON.parse(await fs.readFile(manifestFile, 'utf8')) as Record<string, unknown>;
    await fs.writeFile(manifestFile, `${JSON.stringify(older, null, 2)}\n`);
    const onnx = path.join(work, 'out', 'model.onnx');
    const exported = await fs.readFile(onnx);
    await fs.writeFile(onnx, exported.subarray(0, 100));
    const again = await run();
    assert.equal(again.result.exported, true, 'exported again');
    const warnings = again.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
    assert.ok(warnings.includes(`the model in ${path.join(work, 'out')} has no file hashes to check it by (exported by an older retrain): exporting it again`), warnings.join('\n'));
    assert.deepEqual(await fs.readFile(onnx), exported, 'model.onnx as exported before');
    assert.ok((JSON.parse(await fs.readFile(manifestFile, 'utf8')) as { files?: object }).files, 'the manifest records the hashes now');
    assert.equal((await run()).fast, true, 'up to date from its record again');
  });

  it('takes the full path after a touch, an added, removed or renamed file, another setting, a cache write or a damaged record', async () => {
    await run();
    assert.equal((await run()).fast, true);
    const file = path.join(images, 'bees', (await fs.readdir(path.join(images, 'bees'))).find((n) => n.endsWith('.jpg'))!);
    const changes: Array<[string, () => Promise<void>, ResolvedConfig?]> = [
      ['touch', () => fs.utimes(file, new Date(), new Date(Date.now() - 5000))],
      ['add', () => fs.copyFile(file, path.join(images, 'ants', 'copy-of-a-bee.jpg'))],
      ['rename', () => fs.rename(path.join(images, 'ants', 'copy-of-a-bee.jpg'), path.join(images, 'ants', 'renamed.jpg'))],
      ['remove', () => fs.rm(path.join(images, 'ants', 'renamed.jpg'))],
      ['setting', async () => undefined, configOf(0.05)],
      ['setting back', async () => undefined, configOf(0.01)],
      [
        'cache written by another build',
        async () => {
          const cache = RetrainCache.open(path.join(work, 'cache'));
          await cache.putFileRecord('/elsewhere.jpg', { size: 1, mtimeMs: 1, ino: 1, sha256: '0'.repeat(64) });
          await cache.flushed();
          await cache.close();
        },
      ],
      [
        'damaged record',
        async () => {
          const bytes = await fs.readFile(recordFile());
          bytes[bytes.length - 3] ^= 0x20;
          await fs.writeFile(recordFile(), bytes);
        },
      ],
      ['labels file removed', () => fs.rm(path.join(work, 'labels.txt'))],
      [
        'another model in the output folder',
        async () => {
          const file = path.join(work, 'out', 'manifest.json');
          await fs.writeFile(file, JSON.stringify({ ...JSON.parse(await fs.readFile(file, 'utf8')), buildFingerprint: 'another' }));
        },
      ],
    ];
    for (const [name, change, config] of changes) {
      await change();
      const changed = await run(config);
      assert.equal(changed.fast, false, `${name}: the full path must run`);
      const next = await run(config);
      assert.equal(next.fast, true, `${name}: the build after it is up to date from its record again`);
      assert.deepEqual(comparable(next.result), comparable({ ...changed.result, trained: false, exported: false, bottlenecksComputed: 0, bottlenecksCached: Object.values(changed.result.counts).reduce((a, b) => a + b, 0) }), name);
    }
    await fs.access(path.join(work, 'labels.txt'));
  });
});
