import type { ResolvedConfig } from '../config/resolved-config.js';
import { checkAddOnlyFolder, checkModelFolder, checkOwnedFile, exportedManifest, type ProtectedFolders } from '../export/output-guard.js';

/** The folders no output of `config` may be in or contain: its image folders and its cache. */
export function protectedFolders(config: ResolvedConfig): ProtectedFolders {
  return { imageDirs: config.imageDirs, cacheDir: config.cacheDir };
}

/**
 * Checks, before any work, that a build of `config` may write each of its outputs: the model folder, the
 * extra labels file and the TensorBoard summaries folder (see output-guard.ts). Throws one line otherwise.
 */
export async function checkBuildOutputs(config: ResolvedConfig): Promise<void> {
  const guarded = protectedFolders(config);
  await checkModelFolder(config.outputDir, 'output folder (--output-dir)', guarded);
  if (config.outputLabels) {
    // Ours when it holds the labels of the model retrain exported beside it (it is written after each export).
    await checkOwnedFile(config.outputLabels, 'labels file (--output-labels)', guarded, async (content) => {
      const labels = (await exportedManifest(config.outputDir))?.labels;
      return Array.isArray(labels) && content === labels.join('\n') + '\n';
    });
  }
  if (config.summariesDir) await checkAddOnlyFolder(config.summariesDir, 'summaries folder (--summaries-dir)', guarded, ['train', 'validation']);
}
