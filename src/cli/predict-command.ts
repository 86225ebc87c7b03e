import fs from 'node:fs/promises';
import type { Argv } from 'yargs';
import { errnoText } from '../util/errno-text.js';
import { printable } from '../util/printable.js';
import { classifierChoice, CLASSIFIER_BACKENDS } from './classifier-choice.js';
import { numberAtLeast } from './option-checks.js';

export function predictCommand(yargs: Argv) {
  return yargs.command(
    'predict <images..>',
    'Classify images with an exported model: top labels with scores, like label_image',
    (y) =>
      y
        .positional('images', { type: 'string', array: true, demandOption: true, describe: 'Image files' })
        .option('model', { type: 'string', describe: "Exported model folder (from retrain build) [the config's outputDir, else retrain-output]" })
        .option('top', { type: 'number', default: 5, describe: 'How many labels to print per image' })
        .check(numberAtLeast('top', 1))
        // yargs takes `-` (standard input) as a positional but gives no value for it: predict would print nothing and exit 0.
        .check((argv) => ((argv.images as string[] | undefined) ?? []).length > 0 || 'predict -: images are read from files, not from standard input; name image files')
        .option('backend', { type: 'string', choices: CLASSIFIER_BACKENDS, default: 'auto', describe: "What runs the model: onnx runs the export's model.onnx on onnxruntime (as --format onnx), the others are TensorFlow.js backends for its TF.js model [auto: tfjs-node if it loads, else wasm]" })
        .option('format', { type: 'string', choices: ['tfjs', 'onnx'], describe: 'Which file of the export to run [the TF.js model when there is one, else model.onnx]' })
        .option('json', { type: 'boolean', describe: 'Print one JSON object per image' })
        .example('$0 predict --model retrain-output photo.jpg', ''),
    async (argv) => {
      const { initBackend } = await import('../engine/model/backend.js');
      const { loadClassifier } = await import('../export/load-classifier.js');
      const { exportedModelDir } = await import('./model-dir.js');
      const { format, tfBackend } = classifierChoice(argv);
      if (format !== 'onnx') await initBackend(tfBackend!);
      const model = await loadClassifier(await exportedModelDir(argv, process.cwd()), format);
      let failures = 0;
      for (const image of argv.images as string[]) {
        try {
          const predictions = await model.classify(await readImage(image), argv.top);
          if (argv.json) process.stdout.write(JSON.stringify({ file: image, predictions }) + '\n');
          else {
            process.stdout.write(`${printable(image)}\n`);
            for (const p of predictions) process.stdout.write(`  ${p.label} (score = ${p.score.toFixed(5)})\n`);
          }
        } catch (error) {
          failures++;
          const reason = (error as Error).message;
          if (argv.json) process.stdout.write(JSON.stringify({ file: image, error: reason }) + '\n');
          process.stderr.write(`error: ${printable(`${image}: ${reason}`)}\n`);
        }
      }
      if (failures > 0) process.exitCode = 1;
    },
  );
}

/** The bytes of one image named on the command line; a folder or missing file is one plain reason. */
async function readImage(file: string): Promise<Uint8Array> {
  try {
    // Reading a FIFO or a device (/dev/zero) never ends: only regular files are read.
    const stat = await fs.stat(file);
    if (!stat.isFile() && !stat.isDirectory()) {
      throw Object.assign(new Error(`not a regular file (${stat.isFIFO() ? 'a FIFO' : stat.isSocket() ? 'a socket' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : 'not a file'}); predict takes image files`), { plain: true });
    }
    return await fs.readFile(file);
  } catch (error) {
    if ((error as { plain?: boolean }).plain) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new Error('is a folder; predict takes image files (to measure a model on a folder of class folders: retrain eval --image_dir DIR)');
    if (code === 'ENOENT') throw new Error('no such file');
    throw new Error(`cannot read (${errnoText(error)})`);
  }
}
