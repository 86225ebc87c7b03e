import type { Argv } from 'yargs';
import { KNOWN_MODELS } from '../model/registry.js';
import { modelSearchDirs } from '../model/resolve-model.js';

export function modelsCommand(yargs: Argv) {
  return yargs.command(
    'models',
    'List the model names the registry knows and where their weights are looked for',
    (y) => y.option('json', { type: 'boolean', describe: 'Print the list as one JSON object: { models, searchDirs }' }),
    (argv) => {
      if (argv.json) {
        process.stdout.write(JSON.stringify({ models: KNOWN_MODELS, searchDirs: modelSearchDirs() }) + '\n');
        return;
      }
      for (const m of KNOWN_MODELS) process.stdout.write(`${m.name}\n  ${m.description}\n`);
      process.stdout.write(`searched in: ${modelSearchDirs().join(', ')} (set RETRAIN_MODELS_DIR to add folders)\n`);
    },
  );
}
