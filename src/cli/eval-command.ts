import path from 'node:path';
import type { Argv } from 'yargs';
import { printable } from '../util/printable.js';
import { classifierChoice, CLASSIFIER_BACKENDS } from './classifier-choice.js';

export function evalCommand(yargs: Argv) {
  return yargs.command(
    'eval',
    'Measure an exported model on a folder of labelled images: accuracy, per-class table, confusion matrix, misclassified files',
    (y) =>
      y
        .option('model', { type: 'string', describe: "Exported model folder [the config's outputDir, else retrain-output]" })
        .option('image-dir', { type: 'string', alias: 'image_dir', array: true, demandOption: true, describe: 'Folder(s) with one sub-folder per class' })
        .option('backend', { type: 'string', choices: CLASSIFIER_BACKENDS, default: 'auto', describe: "What runs the model: onnx runs the export's model.onnx on onnxruntime (as --format onnx), the others are TensorFlow.js backends for its TF.js model [auto: tfjs-node if it loads, else wasm]" })
        .option('format', { type: 'string', choices: ['tfjs', 'onnx'], describe: 'Which file of the export to run [the TF.js model when there is one, else model.onnx]' })
        .option('json', { type: 'boolean', describe: 'Print the evaluation as one JSON object' })
        .example('$0 eval --model retrain-output --image_dir ../shared/datasets/hymenoptera_data/val', ''),
    async (argv) => {
      const { formatConfusion } = await import('../core/class-metrics.js');
      const { evaluateFolder } = await import('../app/evaluate-folder.js');
      const { initBackend } = await import('../engine/model/backend.js');
      const { loadClassifier } = await import('../export/load-classifier.js');
      const { exportedModelDir } = await import('./model-dir.js');
      const { format, tfBackend } = classifierChoice(argv);
      if (format !== 'onnx') await initBackend(tfBackend!);
      const model = await loadClassifier(await exportedModelDir(argv, process.cwd()), format);
      const result = await evaluateFolder(model, (argv['image-dir'] as string[]).map((d) => path.resolve(d)));
      for (const warning of result.warnings) process.stderr.write(`warning: ${printable(warning)}\n`);
      if (argv.json) {
        process.stdout.write(JSON.stringify(result) + '\n');
        return;
      }
      const out = (line = '') => process.stdout.write(line + '\n');
      const percent = (n: number) => (Number.isNaN(n) ? '  n/a' : `${(n * 100).toFixed(1)}%`);
      out(`Accuracy = ${percent(result.accuracy)} (N=${result.count})`);
      out();
      out(`${'class'.padEnd(20)} ${'images'.padStart(7)} ${'precision'.padStart(10)} ${'recall'.padStart(8)}`);
      for (const c of result.classes) out(`${printable(c.label).padEnd(20)} ${String(c.support).padStart(7)} ${percent(c.precision).padStart(10)} ${percent(c.recall).padStart(8)}`);
      out();
      for (const line of formatConfusion(result.confusion, result.labels)) out(line);
      if (result.misclassified.length > 0) {
        out();
        out('misclassified:');
        for (const m of result.misclassified) out(`  ${printable(m.file)}  ${printable(m.label)} → ${printable(m.predicted)} (${m.score.toFixed(3)})`);
      }
      for (const s of result.skipped) process.stderr.write(`skipped ${printable(s.file)}: ${printable(s.reason)}\n`);
    },
  );
}
