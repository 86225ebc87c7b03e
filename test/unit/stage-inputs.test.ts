import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig, type ResolvedConfig } from '../../src/config/resolved-config.js';
import type { BuildContext } from '../../src/pipeline/build-context.js';
import { defineStage, selectInputs, stageTask, UndeclaredInputError } from '../../src/pipeline/stage.js';
import { evaluateStage, exportStage, STAGES, trainStage } from '../../src/pipeline/stage-declarations.js';
import { lastValueFrom, map, of } from '../../src/util/rx.js';

/** Every config value set, so a selector that reads the wrong one cannot get away with undefined. */
const config: ResolvedConfig = resolveConfig(
  {
    imageDir: ['a', 'b'],
    model: 'mobilenet_v2_035_224',
    modelOptions: { featureLayer: 'x', pooling: 'avg' },
    labels: 'unicode',
    split: { validationPercentage: 12, testingPercentage: 13 },
    train: { steps: 7, learningRate: 0.2, batchSize: 3, evalStepInterval: 2, validationBatchSize: 5, testBatchSize: 4, warmStart: true },
    head: { hiddenUnits: 8, optimizer: 'adam' },
    distortions: { flipLeftRight: true, variants: 2 },
    seed: 9,
    outputDir: 'out',
    summariesDir: 'logs',
    outputLabels: 'labels.txt',
    reportAudit: true,
    finalTensorName: 'final',
  },
  '/project',
);

describe('stages read only the config they declare', () => {
  it('every declared input of every stage reads only the config path it is named after', () => {
    for (const stage of STAGES) {
      const { keyed, uses } = selectInputs(stage, config);
      for (const [name, value] of Object.entries({ ...keyed, ...uses })) {
        // The value is the one at that path (or, for inputs keyed only when on, undefined).
        const direct = name.split('.').reduce<unknown>((at, part) => (at as Record<string, unknown>)[part], config);
        if (value !== undefined && name !== 'reportAudit') assert.deepEqual(value, direct, `${stage.name}: ${name}`);
      }
    }
  });

  it('a selector that reads config it is not named after fails, naming the stage, the input and the path (positive control)', () => {
    const lying = defineStage({ name: 'lying', version: 1, config: { 'train.steps': (c) => c.seed }, uses: {}, upstream: [], outputs: [] });
    assert.throws(() => selectInputs(lying, config), (error: Error) => {
      assert.ok(error instanceof UndeclaredInputError);
      assert.equal(error.message, 'stage lying: its input "train.steps" reads config.seed, which the stage does not declare');
      return true;
    });
    const deeper = defineStage({ name: 'deeper', version: 1, config: {}, uses: { 'train.steps': (c) => c.train.learningRate }, upstream: [], outputs: [] });
    assert.throws(() => selectInputs(deeper, config), /reads config\.train\.learningRate/);
  });

  it('a stage\'s code that reads an input it did not declare fails instead of getting undefined', async () => {
    const context = { config, emit: () => {}, stageRuns: new Map() } as unknown as BuildContext;
    const task = stageTask(evaluateStage, (stage) => map(() => (stage.inputs as unknown as Record<string, unknown>)['train.steps']));
    await assert.rejects(lastValueFrom(of(undefined).pipe(task.operator(context))), /stage evaluate reads the input "train\.steps", which it does not declare/);
  });

  it('the declarations hold what the stages read (the drifts issue 11 found)', () => {
    const declared = (stage: (typeof STAGES)[number]) => [...Object.keys(stage.config), ...Object.keys(stage.uses)];
    assert.ok(declared(evaluateStage).includes('seed'), 'evaluate draws its limited test batch with the seed');
    for (const input of ['head', 'train.warmStart', 'outputDir']) assert.ok(declared(trainStage).includes(input), `train reads ${input}`);
    assert.ok(trainStage.outputs.length > 0 && declared(trainStage).includes('outputDir'), 'train reads the exported manifest in outputDir (warm start)');
    for (const input of ['summariesDir', 'outputLabels', 'outputDir']) assert.ok(declared(exportStage).includes(input), `export writes ${input}`);
    assert.deepEqual(STAGES.map((s) => s.name), ['scan', 'hash', 'bottleneck', 'split', 'augment', 'train', 'evaluate', 'export']);
  });
});
