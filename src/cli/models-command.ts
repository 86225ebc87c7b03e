import type { Argv } from 'yargs';

export function modelsCommand(yargs: Argv) {
  return yargs.command(
    'models [action] [model]',
    'List the model names the registry knows and where their weights are looked for; `models inspect MODEL` lists the tensors of an ONNX model that can be the feature vector',
    (y) =>
      y
        .positional('action', { type: 'string', choices: ['list', 'inspect'], default: 'list' })
        .positional('model', { type: 'string', describe: 'Registry name, .onnx file, folder or URL (for inspect)' })
        .option('models-dir', { type: 'string', describe: "Folder holding the registry's models, searched first (also RETRAIN_MODELS_DIR) [../shared/models]" })
        .option('cache-dir', { type: 'string', default: '.retrain-cache', describe: 'Where downloaded models are kept' })
        .option('json', { type: 'boolean', describe: 'Print the list ({ models, searchDirs }) or the inspection as one JSON object' }),
    async (argv) => {
      const { inspectOnnxModel } = await import('../engine/onnx/inspect-model.js');
      const { KNOWN_MODELS } = await import('../engine/model/registry.js');
      const { resolveModel } = await import('../engine/model/resolve-model.js');
      const { commandModelsDirs } = await import('./models-env.js');
      const searchDirs = commandModelsDirs(argv['models-dir'], process.cwd());
      if (argv.action === 'inspect') {
        if (!argv.model) {
          const usage = new Error('models inspect: name a model: retrain models inspect MODEL (a registry name from `retrain models`, an .onnx file, a folder or a URL)');
          throw Object.assign(usage, { usage: true });
        }
        const inspection = await inspectOnnxModel(await resolveModel(argv.model, {}, argv['cache-dir'], searchDirs));
        if (argv.json) {
          process.stdout.write(JSON.stringify(inspection) + '\n');
          return;
        }
        const { input, candidates, defaultFeature, classifier } = inspection;
        process.stdout.write(`input ${input.name}: ${input.layout.toUpperCase()}, ${input.size[0]}x${input.size[1]}; outputs: ${inspection.outputs.join(', ')}\n`);
        process.stdout.write(`default feature tensor: ${defaultFeature} (${classifier ? "the features feeding the classifier's last layer" : "the graph's output"})\n`);
        process.stdout.write('candidate feature tensors (modelOptions.featureLayer; spatial maps are average-pooled, 8-bit tensors dequantized):\n');
        for (const t of candidates) process.stdout.write(`  ${t.name.padEnd(32)} ${t.type.padEnd(8)} [${t.dims.join(', ')}]${t.name === defaultFeature ? '  <- default' : ''}\n`);
        return;
      }
      if (argv.json) {
        process.stdout.write(JSON.stringify({ models: KNOWN_MODELS, searchDirs }) + '\n');
        return;
      }
      for (const m of KNOWN_MODELS) process.stdout.write(`${m.name}\n  ${m.description}\n`);
      process.stdout.write(`searched in: ${searchDirs.join(', ')} (--models-dir, modelsDir in the config or RETRAIN_MODELS_DIR add folders)\n`);
    },
  );
}
