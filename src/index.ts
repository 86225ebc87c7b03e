export { defineConfig, type RetrainConfig, type ModelOptions } from './config/define-config.js';
export { resolveConfig, type ResolvedConfig } from './config/resolved-config.js';
export { readConfig } from './config/read-config.js';
export { build, type BuildOptions } from './pipeline/build.js';
export type { BuildResult } from './pipeline/build-result.js';
export type { BuildEvent } from './pipeline/build-events.js';
export { loadExportedModel, type ExportedModel, type Prediction } from './predict/load-exported-model.js';
export { initBackend } from './model/backend.js';
