import type { ResolvedConfig } from '../config/resolved-config.js';
import { selectInputs } from './stage.js';
import { STAGES } from './stage-declarations.js';

/**
 * Every config value a stage declares as a keyed input, named `stage:input`: what the exported manifest's
 * `configHash` hashes. What stages only use (workers, output folders, the remote cache) is not in it.
 */
export function declaredConfig(config: ResolvedConfig): Record<string, unknown> {
  return Object.fromEntries(STAGES.flatMap((stage) => Object.entries(selectInputs(stage, config).keyed).map(([name, value]) => [`${stage.name}:${name}`, value])));
}
