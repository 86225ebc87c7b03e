import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { variantSpec } from '../../src/core/distortions.js';
import { sha256Hex } from '../../src/util/content-hash.js';
import type { ResolvedConfig } from '../../src/config/resolved-config.js';
import { selectInputs, stageKey as declaredStageKey } from '../../src/pipeline/stage.js';
import { STAGES } from '../../src/pipeline/stage-declarations.js';
import { declaredConfig } from '../../src/pipeline/declared-config.js';
import {
  augmentId,
  BN_FOLD_VERSION,
  bottleneckKey,
  configHash,
  CONVERSION_VERSION,
  convertedGraphKey,
  cutGraphKey,
  distortionId,
  engineId,
  imagesKey,
  isBottleneckKeyOf,
  modelFingerprint,
  modelIdentityKey,
  ONNX_CUT_VERSION,
  onnxModelFingerprint,
  parseBottleneckKey,
  PREPROCESS_VERSION,
  preprocessId,
  queueJobId,
  remoteObjectName,
  scalingId,
  stageRecordName,
  testSetKey,
  trainingDataKey,
  warmHeadKey,
} from '../../src/store/keys.js';

/**
 * Keys already in users' caches must not change by accident: every expected value below was computed by the
 * code before src/store/keys.ts existed (bottleneck-key.ts, distortions.ts, training-fingerprint.ts,
 * images-key.ts, stage.ts, stage-record.ts, vector-object.ts, bottleneck-job.ts, and the inline
 * expressions of model-identity.ts, onnx-source.ts, graph-store.ts, tasks/train.ts, tasks/export.ts and
 * build.ts) for the same fixed inputs. A deliberate version bump changes them here, on purpose.
 */
const sha = 'a'.repeat(64);
const model = { fingerprint: '0123456789abcdef', preprocessId: 'sharp-rgb8-linear-v1:crop:224x224:0,1' };
const distortions = { flipLeftRight: true, randomCrop: 10, randomScale: 5, randomBrightness: 7, variants: 3 };
const examples = [
  { key: 'k1', label: 'ants', set: 'training', variants: [{ key: 'v1' }] },
  { key: 'k2', label: 'bees', set: 'training' },
  { key: 'k3', label: 'bees', set: 'validation' },
  { key: 'k4', label: 'ants', set: 'testing' },
];
const contentHash = 'c'.repeat(64);
const config = {
  model: 'mobilenet_v2_035_224', modelOptions: { featureLayer: 'x' }, backend: 'auto', imageDirs: ['/img'], labels: {},
  outputDir: '/out', cacheDir: '/cache', summariesDir: '/sum', outputLabels: undefined, finalTensorName: 'final_result',
  seed: 3, split: { validationPercentage: 10, testingPercentage: 10 },
  train: { steps: 100, learningRate: 0.01, batchSize: 16, evalStepInterval: 10, validationBatchSize: 100, testBatchSize: 0, warmStart: false },
  head: { hidden: 0, dropout: 0 }, distortions, reportAudit: false, workers: 2, remote: undefined,
};

describe('keys (src/store/keys.ts) are byte-identical to the keys of the code before it', () => {
  it('versions', () => {
    assert.deepEqual({ PREPROCESS_VERSION, CONVERSION_VERSION, ONNX_CUT_VERSION, BN_FOLD_VERSION }, {
      PREPROCESS_VERSION: 'sharp-rgb8-linear-v1',
      CONVERSION_VERSION: 'onnx-v1+bn-folded-v2',
      ONNX_CUT_VERSION: 'onnx-cut-v1',
      BN_FOLD_VERSION: 'bn-folded-v2',
    });
  });

  it('bottleneck keys, plain and of a distorted variant', () => {
    assert.equal(bottleneckKey(model, sha), `0123456789abcdef:sharp-rgb8-linear-v1:crop:224x224:0,1:${sha}`);
    const spec = variantSpec(sha, distortions, 1);
    assert.deepEqual(spec, { scale: 1.1101671533321498, offsetX: 0.5942505181301385, offsetY: 0.3080500406213105, flip: false, brightness: 1.050183657426387 });
    assert.equal(distortionId(distortions), '0bb16c85c0d7');
    assert.equal(augmentId(spec), '73fef2bbc2d9');
    assert.equal(augmentId({ scale: 1, offsetX: 0.3, offsetY: 0.4, flip: true, brightness: 1.1 }), '95dadd7e4160');
    assert.equal(bottleneckKey(model, sha, augmentId(spec)), `0123456789abcdef:sharp-rgb8-linear-v1:crop:224x224:0,1+73fef2bbc2d9:${sha}`);
  });

  it('model fingerprints, preprocess ids and graph keys', () => {
    assert.equal(modelFingerprint(contentHash, 'feat', 'avg', engineId({ tfjs: '4.22.0', backend: 'node' })), '722720a43009475f');
    assert.equal(modelFingerprint(contentHash, undefined, undefined, engineId({ onnxruntime: '1.2.3' })), '46fdf5630083a459');
    assert.equal(convertedGraphKey(contentHash, { featureLayer: 'feat', pooling: 'avg' }), 'e2ae548ec8776e76');
    assert.equal(cutGraphKey(contentHash, { input: 'in', layout: 'nchw', inputSize: [224, 224] }), 'cd278e82c0a8d05c');
    assert.equal(onnxModelFingerprint(contentHash, { tensor: 't', inputSize: [224, 224] }, '1.2.3'), 'a894afc2f9e3f5f6');
    assert.equal(preprocessId('crop', [224, 224], scalingId([-1, 1])), 'sharp-rgb8-linear-v1:crop:224x224:-1,1');
    assert.equal(scalingId(undefined, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]), 'mean=0.485,0.456,0.406;std=0.229,0.224,0.225');
    const identity = { ...model, inputSize: [224, 224], range: [0, 1], resize: 'crop', layerNames: ['a'] };
    assert.equal(modelIdentityKey(identity), '79cb0e6d7b48539bef3aa07f07f3e389f5664a0c4dddf314baa7746e1fe13863');
  });

  it('data set, training, warm-start and stage keys', () => {
    assert.equal(trainingDataKey(['ants', 'bees'], examples), '5a5ad6042c23c0fdf32dadef3d775c77508cd3cda8d49b6622822cdf766d49df');
    assert.equal(
      imagesKey([{ label: 'ants', relPath: 'a/1.jpg', sha256: sha }, { label: 'bees', relPath: 'b.jpg', sha256: 'b'.repeat(64) }]),
      'fa1a4279fcb0402bbbca8182c2368fc8b3df464784ccd4967fc77314eed43d8b',
    );
    assert.equal(testSetKey(examples), '3b2aaeda0bd76b9b22bc6d8397ccb526886fa65e20bd47b52f46a7c88f44b0d8');
    assert.equal(warmHeadKey('d'.repeat(64), 'e'.repeat(64)), '763d20c4057b5640d29631d10b6d451b41e9434707e21d7ea09bd90d99405ac7');
    const before: Record<string, string> = {
      bottleneck: 'd4db03c8c1d8525e9248fdee9d216a8b4681d07ccd1ed3c4f936c85e3f4deeb7',
      split: 'd4800255ab0b6cc5b751071654a9285bb3e5494e12d4da354d0241f16737123c',
      train: 'fe604503b4fd84876481970f8f605c7a56da9c014869944d85e1075baf7b270b',
      evaluate: '109a1f18253d7dbb7b38a5ce46b66b559d37a06cad512bd0af7ad73987919f44',
      export: 'fc285dc3da86d9818734699d29b70090a59590f9d44a900d00552cb9e1826a51',
    };
    for (const stage of STAGES.filter((s) => s.name in before)) {
      const upstream = Object.fromEntries(stage.upstream.map((u) => [u, sha256Hex(u)]));
      assert.equal(declaredStageKey(stage, selectInputs(stage, config as unknown as ResolvedConfig).keyed, upstream), before[stage.name], stage.name);
    }
  });

  it('config hash, stage record name, remote object name and queue job id', () => {
    const declared = declaredConfig(config as unknown as ResolvedConfig);
    assert.equal(configHash(declared), '4092dedceaaa2dbc');
    // Only what the stages key on: not the workers, the folders or where vectors are shared from.
    assert.equal(configHash(declaredConfig({ ...config, workers: 7, outputDir: '/elsewhere', remote: 's3://x' } as unknown as ResolvedConfig)), configHash(declared));
    assert.notEqual(configHash(declaredConfig({ ...config, seed: 99 } as unknown as ResolvedConfig)), configHash(declared));
    assert.equal(stageRecordName('/out/model'), 'f926b6bb0a3cf151.json');
    const key = bottleneckKey(model, sha);
    assert.equal(remoteObjectName('pre/fix', 'bottlenecks', key), 'pre/fix/bottlenecks/9b/9bf711785d7ac3bee82e7974cb984bc21a7cff37d78044046fe14b811eb21b20');
    assert.equal(queueJobId(key), '9bf711785d7ac3bee82e7974cb984bc21a7cff37d78044046fe14b811eb21b20');
  });
});

describe('parseBottleneckKey', () => {
  it('takes a key apart into what built it, and back', () => {
    const plain = parseBottleneckKey(bottleneckKey(model, sha));
    assert.deepEqual(plain, { model: `${model.fingerprint}:${model.preprocessId}`, fingerprint: model.fingerprint, preprocessId: model.preprocessId, content: sha });
    const variant = parseBottleneckKey(bottleneckKey(model, sha, '73fef2bbc2d9'))!;
    assert.equal(variant.augmentId, '73fef2bbc2d9');
    assert.equal(variant.preprocessId, model.preprocessId);
    assert.equal(bottleneckKey(variant, variant.content, variant.augmentId), bottleneckKey(model, sha, '73fef2bbc2d9'));
    // A mean/std preprocess id holds no ':' of its own, but its scaling has ',' and ';': still parsed.
    const onnx = { fingerprint: 'f'.repeat(16), preprocessId: preprocessId('squash', [224, 224], scalingId(undefined, [0.5, 0.5, 0.5], [0.2, 0.2, 0.2])) };
    assert.equal(parseBottleneckKey(bottleneckKey(onnx, sha))?.preprocessId, onnx.preprocessId);
    assert.ok(isBottleneckKeyOf(bottleneckKey(model, sha, 'abc'), model));
    assert.ok(!isBottleneckKeyOf(bottleneckKey(onnx, sha), model));
    assert.equal(parseBottleneckKey('not a key'), undefined);
  });
});
