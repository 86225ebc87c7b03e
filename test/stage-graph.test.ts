import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { resolveConfig, type ResolvedConfig } from '../src/config/resolved-config.js';
import type { BuildEvent } from '../src/pipeline/build-events.js';
import { build } from '../src/pipeline/build.js';
import { STAGES } from '../src/pipeline/stage-declarations.js';
import { upToDateRecordFile } from '../src/pipeline/up-to-date-record.js';
import { copySubset, HAS_SHARED, MODEL_DIR, tempDir } from './helpers/shared.js';

type StageEvent = Extract<BuildEvent, { type: 'stage' }>;

/**
 * Every stage runs through the one runner: it gets only its declared config (reading anything else throws,
 * see src/pipeline/stage.ts), and reports its events. These builds turn on every option a stage reads (warm
 * start, distortions, a limited test batch, summaries, an extra labels file, the audit report), so a stage
 * that reads config it did not declare fails them.
 */
describe('the stage graph', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  let work: string;
  let configOf: (learningRate: number) => ResolvedConfig;

  before(async () => {
    work = await tempDir();
    const images = await copySubset(4, 'train', path.join(work, 'photos'));
    configOf = (learningRate) =>
      resolveConfig(
        {
          imageDir: images,
          model: MODEL_DIR,
          train: { steps: 20, learningRate, testBatchSize: 1, warmStart: true },
          split: { validationPercentage: 25, testingPercentage: 25 },
          distortions: { flipLeftRight: true, variants: 1 },
          summariesDir: 'summaries',
          outputLabels: 'labels.txt',
          reportAudit: true,
          workers: 1,
          cacheDir: 'cache',
          outputDir: 'out',
        },
        work,
      );
  });

  const run = async (config: ResolvedConfig, signal?: AbortSignal, onStage?: (event: StageEvent) => void) => {
    const events: StageEvent[] = [];
    const result = await build(config, {
      signal,
      onEvent: (event) => {
        if (event.type !== 'stage') return;
        events.push(event);
        onStage?.(event);
      },
    });
    return { result, events };
  };
  const final = (events: StageEvent[]) => events.filter((e) => e.status !== 'start').map((e) => `${e.stage}: ${e.status}`);

  it('every stage runs with only its declared inputs and reports start…done or up-to-date, in pipeline order', async () => {
    const first = await run(configOf(0.01));
    assert.equal(first.result.exported, true);
    assert.deepEqual(final(first.events), STAGES.map((s) => `${s.name}: done`));
    for (const stage of STAGES) {
      const own = first.events.filter((e) => e.stage === stage.name).map((e) => e.status);
      assert.deepEqual(own, ['start', 'done'], stage.name);
    }
    await fs.access(path.join(work, 'summaries'));
    await fs.access(path.join(work, 'labels.txt'));

    // The full path's answer of every stage: without the up-to-date record (src/pipeline/up-to-date-build.ts),
    // which would answer for all of them at once (below).
    await fs.rm(upToDateRecordFile(path.join(work, 'cache'), path.join(work, 'out')));
    const again = await run(configOf(0.01));
    assert.deepEqual(final(again.events), [
      'scan: done',
      'hash: up-to-date',
      'bottleneck: up-to-date',
      'split: done',
      'augment: up-to-date',
      'train: up-to-date',
      // The test set's evaluation is stored under its stage key: an unchanged head is not evaluated again.
      'evaluate: up-to-date',
      'export: up-to-date',
    ]);
    assert.match(again.events.find((e) => e.stage === 'hash')!.detail!, /^8 files unchanged/);
    assert.equal(again.events.find((e) => e.stage === 'bottleneck')!.detail, '8 vectors cached');
    const recorded = await run(configOf(0.01));
    assert.deepEqual(final(recorded.events), STAGES.map((s) => `${s.name}: ${s.name === 'scan' ? 'done' : 'up-to-date'}`));
    assert.match(recorded.events.find((e) => e.stage === 'hash')!.detail!, /^8 files listed as the last build/);
    assert.equal(recorded.events.find((e) => e.stage === 'bottleneck')!.detail, '8 vectors cached');

    // A warm start from the exported head (train reads the manifest in outputDir).
    const warm = await run(configOf(0.02));
    assert.equal(warm.result.trained, true);
    assert.deepEqual(final(warm.events).slice(5), ['train: done', 'evaluate: done', 'export: done']);
  });

  it('a build stopped by its signal reports every stage it did not finish as superseded', async () => {
    const controller = new AbortController();
    const events: StageEvent[] = [];
    await assert.rejects(
      run(configOf(0.03), controller.signal, (event) => {
        events.push(event);
        if (event.stage === 'bottleneck' && event.status !== 'start') controller.abort();
      }),
      { name: 'AbortError' },
    );
    assert.deepEqual(
      events.filter((e) => e.status === 'superseded').map((e) => e.stage),
      ['split', 'augment', 'train', 'evaluate', 'export'],
    );
    assert.deepEqual(final(events).slice(0, 3), ['scan: done', 'hash: up-to-date', 'bottleneck: up-to-date']);
  });
});
