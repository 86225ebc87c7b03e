// The library: what `import … from 'retrain'` gives. Config files import it too, so nothing here loads
// TensorFlow.js, onnxruntime, sharp or the file watcher until a function that needs them is called.
export { defineConfig, type RetrainConfig, type ModelOptions, type HeadOptions, type ResizeMode, type ExperimentOverrides } from './config/define-config.js';
export { resolveConfig } from './config/resolve-config.js';
export type { ResolvedConfig } from './config/resolved-config.js';
export { readConfig, type ReadConfigResult } from './config/read-config.js';
export { ConfigError } from './config/schema.js';
export { build, type BuildOptions } from './pipeline/build.js';
export type { BuildResult } from './pipeline/build-result.js';
export type { BuildEvent } from './pipeline/build-events.js';
export { watch, type WatchOptions, type Watcher } from './app/watch.js';
export type { WatchEvent } from './app/watch-events.js';
export { runExperiments, bestExperiment, experimentsDir, type ExperimentResult } from './app/run-experiments.js';
export { expandExperiments, selectExperiments, type Experiment } from './app/expand-experiments.js';
export { RetrainCache } from './store/retrain-cache.js';
export { cacheStats, verifyCache, collectGarbage, type CacheStats, type Removal } from './app/cache-maintenance.js';
export { loadExportedModel, type ExportedModel, type Prediction } from './export/load-exported-model.js';
export { evaluateFolder, type FolderEvaluation } from './app/evaluate-folder.js';
export { initBackend, type TfBackendChoice, type BackendChoice } from './engine/model/backend.js';
