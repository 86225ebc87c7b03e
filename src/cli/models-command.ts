import type { Argv } from 'yargs';

export function modelsCommand(yargs: Argv) {
  return yargs.command(
    'models',
    'List the model names the registry knows and where their weights are looked for',
    (y) => y,
    async () => {
      const { KNOWN_MODELS } = await import('../model/registry.js');
      const { modelSearchDirs } = await import('../model/resolve-model.js');
      for (const m of KNOWN_MODELS) process.stdout.write(`${m.name}\n  ${m.description}\n`);
      process.stdout.write(`searched in: ${modelSearchDirs().join(', ')} (set RETRAIN_MODELS_DIR to add folders)\n`);
    },
  );
}
