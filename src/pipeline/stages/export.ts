import { mergeMap, type OperatorFunction } from '../../util/rx.js';
import { MANIFEST_FILE, ONNX_FILE } from '../../export/export-manifest.js';
import type { ExportManifest } from '../../export/export-manifest.js';
import { readManifest } from '../../export/read-manifest.js';
import { modelFilesDamage } from '../../export/model-files.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import path from 'node:path';
import { stageTask } from '../stage.js';
import { exportStage } from '../stage-declarations.js';
import { modelIdentityKey, testSetKey } from '../../store/keys.js';
import type { Evaluated } from './evaluate.js';
import type { DatasetImages } from '../dataset-images.js';
import { finiteOrNull } from '../../util/finite-or-null.js';
import { describeWriteError } from '../../util/file-errors.js';

export interface Exported extends Evaluated {
  outputDir: string;
  /** False when the output folder already held this exact model. */
  exported: boolean;
}

/**
 * Writes backbone + head as one TF.js model with labels and manifest, atomically. Skipped when the output
 * folder already holds a model with the same build fingerprint.
 */
export const exportTask = stageTask(exportStage, (context): OperatorFunction<Evaluated, Exported> =>
    mergeMap(async (evaluated) => {
      const { inputs } = context;
      const { outputDir, outputLabels, summariesDir, finalTensorName } = inputs;
      const { labels, images } = evaluated.dataset;
      const run = context.begin({
        head: evaluated.fingerprint,
        model: modelIdentityKey(context.identity),
        'test set': testSetKey(images),
        evaluation: evaluated.evaluationKey,
      });
      const buildFingerprint = run.key;
      // TensorFlow.js and sharp (report images) only when exporting: an up-to-date build does not load them.
      const exporting = () => import('../../export/export-model.js');
      const existing = await readManifest(outputDir);
      const damage = existing?.buildFingerprint === buildFingerprint ? await modelFilesDamage(outputDir, existing.files) : undefined;
      if (damage) context.emit({ type: 'warning', message: `the model in ${outputDir} ${damage}: exporting it again` });
      if (existing?.buildFingerprint === buildFingerprint && !damage) {
        // The same model from declared settings that differ (e.g. another image folder with the same photos):
        // the manifest names the settings of this build.
        if (existing.configHash !== context.configHash) await refreshConfigHash(outputDir, existing, context.configHash);
        if (outputLabels) await (await exporting()).writeLabelsFile(outputLabels, labels);
        run.upToDate(outputDir);
        return { ...evaluated, outputDir, exported: false };
      }
      run.start(outputDir);
      const { exportModel, writeLabelsFile } = await exporting();
      const { reportFiles } = await import('../../report/build-report-files.js');
      const { onnxClassifier, onnxContract } = await import('../../export/onnx-export.js');
      const extractor = context.model.format === 'tfjs' ? await context.extractor() : undefined;
      const onnx = await onnxClassifier(context.model, context.identity, context.engine, evaluated.head, finalTensorName);
      if ('reason' in onnx) context.emit({ type: 'warning', message: `no ONNX file in the export: ${onnx.reason}` });
      const perClass = images.classCounts('training');
      const trainingCounts = Object.fromEntries(labels.map((label, c) => [label, perClass[c]!]));
      const manifest: ExportManifest = {
        format: 'retrain-model@1',
        buildFingerprint,
        headFingerprint: evaluated.fingerprint,
        trainingFingerprint: evaluated.trainingFingerprint,
        model: {
          source: context.model.source,
          fingerprint: context.identity.fingerprint,
          featureLayer: context.model.options.featureLayer,
          featureSize: evaluated.head.featureSize,
        },
        input: {
          size: context.identity.inputSize,
          resize: context.identity.resize,
          range: [0, 255],
          backboneRange: context.identity.range,
          ...(context.identity.mean ? { mean: context.identity.mean, std: context.identity.std } : {}),
        },
        outputName: finalTensorName,
        ...(extractor ? { tfjs: { file: 'model.json' as const } } : {}),
        ...('bytes' in onnx ? { onnx: onnxContract(context.identity, finalTensorName) } : {}),
        labels,
        metrics: {
          testAccuracy: finiteOrNull(evaluated.test.accuracy),
          testCount: evaluated.test.count,
          validationAccuracy: finiteOrNull(evaluated.validation.accuracy),
          trainingCounts,
        },
        configHash: context.configHash,
        createdAt: new Date().toISOString(),
      };
      const trainSettings = {
        steps: inputs['train.steps'],
        learningRate: inputs['train.learningRate'],
        batchSize: inputs['train.batchSize'],
        evalStepInterval: inputs['train.evalStepInterval'],
        validationBatchSize: inputs['train.validationBatchSize'],
      };
      const wallTime = Date.now() / 1000;
      const files = await reportFiles({
        labels,
        log: evaluated.log,
        histograms: evaluated.histograms,
        test: evaluated.test,
        validation: evaluated.validation,
        wallTime,
        audit: inputs.reportAudit ? (await import('../audit-dataset.js')).auditDataset(images, labels, { train: trainSettings, seed: inputs.seed }) : undefined,
        details: [
          ['model', context.model.source],
          ['images', `${trainingCount(images)} training, ${images.countIn('validation')} validation, ${images.countIn('testing')} testing`],
          ['training', `${trainSettings.steps} steps, learning rate ${trainSettings.learningRate}, batch ${trainSettings.batchSize}, seed ${inputs.seed}`],
          ['created', new Date(wallTime * 1000).toISOString()],
        ],
      });
      if ('bytes' in onnx) files.set(ONNX_FILE, onnx.bytes);
      await exportModel(extractor, evaluated.head, manifest, outputDir, files);
      if (summariesDir) {
        try {
          for (const [name, content] of files) if (name.startsWith('logs')) await writeFileAtomic(path.join(summariesDir, path.relative('logs', name)), content);
        } catch (error) {
          throw new Error(`cannot write TensorBoard summaries to ${summariesDir}: ${describeWriteError(error)}; the model is exported, choose a writable --summaries-dir`);
        }
      }
      // The extra labels file follows the model, never ahead of it.
      if (outputLabels) await writeLabelsFile(outputLabels, labels);
      run.done(outputDir);
      return { ...evaluated, outputDir, exported: true };
    }),
);

function trainingCount(images: DatasetImages): string {
  const variants = images.variantCount();
  return variants ? `${images.countIn('training')} (+${variants} distorted variants)` : String(images.countIn('training'));
}

/** Rewrites the manifest with the current `configHash` (atomically); the model files are unchanged. */
async function refreshConfigHash(outputDir: string, manifest: ExportManifest, configHash: string): Promise<void> {
  try {
    await writeFileAtomic(path.join(outputDir, MANIFEST_FILE), JSON.stringify({ ...manifest, configHash }, null, 2) + '\n');
  } catch (error) {
    throw new Error(`cannot update ${path.join(outputDir, MANIFEST_FILE)}: ${describeWriteError(error)}; choose a writable --output-dir`);
  }
}
