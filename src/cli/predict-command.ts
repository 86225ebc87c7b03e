import fs from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import type { TfBackendChoice } from '../model/backend.js';

export function predictCommand(yargs: Argv) {
  return yargs.command(
    'predict <images..>',
    'Classify images with an exported model: top labels with scores, like label_image',
    (y) =>
      y
        .positional('images', { type: 'string', array: true, demandOption: true, describe: 'Image files' })
        .option('model', { type: 'string', default: 'retrain-output', describe: 'Exported model folder (from retrain build)' })
        .option('top', { type: 'number', default: 5, describe: 'How many labels to print per image' })
        .option('backend', { type: 'string', choices: ['auto', 'node', 'wasm', 'cpu'], default: 'auto', describe: 'TensorFlow.js backend [auto: tfjs-node if it loads, else wasm]' })
        .option('json', { type: 'boolean', describe: 'Print one JSON object per image' })
        .example('$0 predict --model retrain-output photo.jpg', ''),
    async (argv) => {
      const { initBackend } = await import('../model/backend.js');
      const { loadExportedModel } = await import('../predict/load-exported-model.js');
      await initBackend(argv.backend as TfBackendChoice);
      const model = await loadExportedModel(path.resolve(argv.model));
      let failures = 0;
      for (const image of argv.images as string[]) {
        try {
          const predictions = await model.classify(await fs.readFile(image), argv.top);
          if (argv.json) process.stdout.write(JSON.stringify({ file: image, predictions }) + '\n');
          else {
            process.stdout.write(`${image}\n`);
            for (const p of predictions) process.stdout.write(`  ${p.label} (score = ${p.score.toFixed(5)})\n`);
          }
        } catch (error) {
          failures++;
          const reason = (error as Error).message;
          if (argv.json) process.stdout.write(JSON.stringify({ file: image, error: reason }) + '\n');
          process.stderr.write(`error: ${image}: ${reason}\n`);
        }
      }
      if (failures > 0) process.exitCode = 1;
    },
  );
}
