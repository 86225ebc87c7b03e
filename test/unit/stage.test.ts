import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/resolve-config.js';
import type { BuildContext } from '../../src/pipeline/build-context.js';
import type { BuildEvent } from '../../src/pipeline/build-events.js';
import { selectInputs, stageKey, stageTask } from '../../src/pipeline/stage.js';
import { bottleneckStage, STAGES, trainStage } from '../../src/pipeline/stage-declarations.js';
import { map } from '../../src/util/rx.js';

const base = resolveConfig({ imageDir: 'photos', train: { learningRate: 0.01 } }, '/tmp/project');

function keyOf(stage = trainStage, config = base): string {
  const upstream = Object.fromEntries(stage.upstream.map((name) => [name, `key of ${name}`]));
  return stageKey(stage, selectInputs(stage, config).keyed, upstream);
}

describe('declared stages', () => {
  it('a stage key changes with each declared config value and upstream key, and with nothing else', () => {
    const before = keyOf();
    assert.equal(keyOf(), before, 'same inputs, same key');
    assert.notEqual(keyOf(trainStage, { ...base, train: { ...base.train, learningRate: 0.1 } }), before);
    assert.notEqual(keyOf(trainStage, { ...base, seed: base.seed + 1 }), before);
    assert.notEqual(stageKey(trainStage, selectInputs(trainStage, base).keyed, { 'training data': 'other' }), before);
    // Undeclared, or declared as used but not keyed: the trained head does not depend on them.
    assert.equal(keyOf(trainStage, { ...base, workers: base.workers + 3 }), before);
    assert.equal(keyOf(trainStage, { ...base, outputDir: '/elsewhere' }), before);
    assert.equal(keyOf(trainStage, { ...base, train: { ...base.train, testBatchSize: 7 } }), before);
  });

  it('refuses upstream keys other than the declared ones', () => {
    assert.throws(() => stageKey(trainStage, selectInputs(trainStage, base).keyed, { images: 'x' }), /upstream keys \[images\] are not the declared \[training data\]/);
  });

  it('every stage selects from a default config, and its inputs are frozen copies', () => {
    for (const stage of STAGES) {
      const { keyed, uses } = selectInputs(stage, base);
      assert.deepEqual(Object.keys(keyed), Object.keys(stage.config), stage.name);
      assert.deepEqual(Object.keys(uses), Object.keys(stage.uses), stage.name);
      for (const value of [...Object.values(keyed), ...Object.values(uses)]) if (value && typeof value === 'object') assert.ok(Object.isFrozen(value), stage.name);
    }
    const { keyed } = selectInputs(bottleneckStage, base);
    assert.notEqual(keyed.modelOptions, base.modelOptions, 'a copy: the caller\'s config is not frozen');
  });

  it('the runner gives a stage only its declared config and emits its events in one shape', async () => {
    const events: BuildEvent[] = [];
    const runs = new Map();
    const context = { config: base, emit: (e: BuildEvent) => events.push(e), stageRuns: runs } as unknown as BuildContext;
    let seen: Record<string, unknown> = {};
    const task = stageTask(trainStage, (stageContext) =>
      map((upstream: string) => {
        seen = { hasConfig: 'config' in stageContext, inputs: Object.keys(stageContext.inputs).sort() };
        const run = stageContext.begin({ 'training data': upstream });
        run.start('2 steps', 2);
        run.done();
        return run.key;
      }),
    );
    const { lastValueFrom, of } = await import('../../src/util/rx.js');
    const key = await lastValueFrom(of('data').pipe(task.operator(context)));
    assert.equal(seen.hasConfig, false, 'no config beyond the declared inputs');
    assert.deepEqual(seen.inputs, [...Object.keys(trainStage.config), ...Object.keys(trainStage.uses)].sort());
    assert.equal(key, stageKey(trainStage, selectInputs(trainStage, base).keyed, { 'training data': 'data' }));
    assert.deepEqual(events, [
      { type: 'stage', stage: 'train', status: 'start', detail: '2 steps', total: 2 },
      { type: 'stage', stage: 'train', status: 'done' },
    ]);
    assert.equal(runs.get('train').key, key);
    assert.equal(runs.get('train').config['train.learningRate'], 0.01);
  });
});
