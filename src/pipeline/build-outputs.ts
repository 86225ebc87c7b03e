import path from 'node:path';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { LABELS_FILE } from '../export/export-manifest.js';
import { checkAddOnlyFolder, checkCacheFolder, checkModelFolder, checkOwnedFile, exportedManifest, OutputRefusedError, type ProtectedFolders } from '../export/output-guard.js';

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
  await checkCacheFolder(config.cacheDir, config.imageDirs);
  await checkModelFolder(config.outputDir, 'output folder (--output-dir)', guarded);
  // The model folder is replaced whole on each export: nothing else may live in it.
  const inOutput = (p: string) => !path.relative(config.outputDir, p).startsWith('..') && !path.isAbsolute(path.relative(config.outputDir, p));
  if (config.outputLabels && inOutput(config.outputLabels) && config.outputLabels !== path.join(config.outputDir, LABELS_FILE)) {
    throw new OutputRefusedError(`labels file (--output-labels) ${config.outputLabels} is in the output folder, which each export replaces whole; the labels are in ${path.join(config.outputDir, LABELS_FILE)}, or choose a path outside it`);
  }
  if (config.summariesDir && inOutput(config.summariesDir)) {
    throw new OutputRefusedError(`summaries folder (--summaries-dir) ${config.summariesDir} is in the output folder, which each export replaces whole; the event files are in ${path.join(config.outputDir, 'logs')}, or choose a folder outside it`);
  }
  if (config.outputLabels) {
    // Ours when it holds the labels of the model retrain exported beside it (it is written after each export).
    await checkOwnedFile(config.outputLabels, 'labels file (--output-labels)', guarded, async (content) => {
      const labels = (await exportedManifest(config.outputDir))?.labels;
      if (!Array.isArray(labels)) return false;
      const ours = labels.join('\n') + '\n';
      // The start of what retrain wrote (a copy cut short, a full disk): damaged, not someone else's file.
      return content === ours || (ours.startsWith(content) ? { damaged: `it holds only the first ${content.length} of ${ours.length} characters of the labels` } : false);
    });
  }
  if (config.summariesDir) await checkAddOnlyFolder(config.summariesDir, 'summaries folder (--summaries-dir)', guarded, ['train', 'validation']);
}
