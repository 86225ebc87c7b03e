import { selectEngine } from '../model/engine.js';
import { pruneGraphs } from '../onnx/graph-store.js';
import { resolveModel } from '../model/resolve-model.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { hashFile } from '../hash/hash-file.js';
import { scanImageDirs } from '../scan/scan-image-dirs.js';
import { CACHE_TABLES, type CacheTable, type RetrainCache } from './retrain-cache.js';

export interface CacheStats {
  diskBytes: number;
  entries: Record<CacheTable, number>;
  /** Bottleneck count per model fingerprint + preprocessing. */
  bottlenecksByModel: Record<string, number>;
}

export function cacheStats(cache: RetrainCache): CacheStats {
  const bottlenecksByModel: Record<string, number> = {};
  for (const [key] of cache.entries('bottlenecks')) {
    const model = modelPart(key);
    bottlenecksByModel[model] = (bottlenecksByModel[model] ?? 0) + 1;
  }
  return {
    diskBytes: cache.diskBytes(),
    entries: Object.fromEntries(CACHE_TABLES.map((t) => [t, cache.count(t)])) as Record<CacheTable, number>,
    bottlenecksByModel,
  };
}

export interface Removal {
  table: CacheTable;
  key: string;
  reason: string;
}

/**
 * Checks every entry and removes the damaged ones: vectors of the wrong size (each model's vectors share one
 * length) or with non-finite values, heads that do not decode, stat records that are not records.
 */
export async function verifyCache(cache: RetrainCache): Promise<{ checked: number; removed: Removal[] }> {
  const removed: Removal[] = [];
  let checked = 0;
  const lengths = new Map<string, Map<number, number>>();
  for (const [key, value] of cache.entries('bottlenecks')) {
    const bytes = (value as Uint8Array | undefined)?.byteLength ?? 0;
    const byLength = lengths.get(modelPart(key)) ?? new Map<number, number>();
    byLength.set(bytes, (byLength.get(bytes) ?? 0) + 1);
    lengths.set(modelPart(key), byLength);
  }
  const usualLength = new Map([...lengths].map(([model, byLength]) => [model, [...byLength].sort((a, b) => b[1] - a[1])[0]![0]]));
  for (const [key, value] of cache.entries('bottlenecks')) {
    checked++;
    const bytes = value as Uint8Array | undefined;
    let reason: string | undefined;
    if (!bytes || bytes.byteLength === 0 || bytes.byteLength % 4 !== 0) reason = 'not a float32 vector';
    else if (bytes.byteLength !== usualLength.get(modelPart(key))) reason = `${bytes.byteLength / 4} values where this model has ${usualLength.get(modelPart(key))! / 4}`;
    else if (!cache.getBottleneck(key)!.every(Number.isFinite)) reason = 'non-finite values';
    if (reason) removed.push({ table: 'bottlenecks', key, reason });
  }
  for (const [key] of cache.entries('heads')) {
    checked++;
    let head;
    try {
      head = cache.getHead(key);
    } catch {
      head = undefined;
    }
    if (!head || !head.weights.every(Number.isFinite)) removed.push({ table: 'heads', key, reason: 'head does not decode' });
  }
  for (const [key, value] of cache.entries('files')) {
    checked++;
    const record = value as { sha256?: unknown; size?: unknown };
    if (typeof record?.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(record.sha256) || typeof record.size !== 'number') {
      removed.push({ table: 'files', key, reason: 'not a stat record' });
    }
  }
  for (const removal of removed) await cache.remove(removal.table, removal.key);
  await cache.flushed();
  return { checked, removed };
}

/**
 * Removes what no image of the config refers to any more: bottlenecks and decode failures of content
 * that is no longer in the image folders, and stat records of files that are gone. Entries of other models
 * (and their converted ONNX graphs) are removed too unless `keepOtherModels`.
 */
export async function collectGarbage(
  cache: RetrainCache,
  config: ResolvedConfig,
  { keepOtherModels = false }: { keepOtherModels?: boolean } = {},
): Promise<{ removed: Record<CacheTable | 'onnxGraphs', number>; kept: number }> {
  const { identity, engine } = await selectEngine(config.backend, await resolveModel(config.model, config.modelOptions, config.cacheDir), config.cacheDir);
  const currentModel = `${identity.fingerprint}:${identity.preprocessId}`;
  const { images } = await scanImageDirs(config.imageDirs, { labels: config.labels });
  const contents = new Set<string>();
  const paths = new Set<string>();
  for (const image of images) {
    paths.add(image.path);
    try {
      contents.add(await hashFile(cache, image.path));
    } catch {
      // unreadable now: nothing refers to its old content through it
    }
  }
  const removed: Record<CacheTable | 'onnxGraphs', number> = { bottlenecks: 0, failures: 0, files: 0, heads: 0, onnxGraphs: 0 };
  if (!keepOtherModels) removed.onnxGraphs = await pruneGraphs(config.cacheDir, engine.onnxFile);
  let kept = 0;
  for (const table of ['bottlenecks', 'failures'] as const) {
    for (const [key] of cache.entries(table)) {
      const model = modelPart(key);
      const referenced = contents.has(key.slice(key.lastIndexOf(':') + 1));
      if ((model === currentModel && referenced) || (model !== currentModel && keepOtherModels)) kept++;
      else {
        await cache.remove(table, key);
        removed[table]++;
      }
    }
  }
  for (const [file] of cache.entries('files')) {
    if (!paths.has(file)) {
      await cache.remove('files', file);
      removed.files++;
    }
  }
  await cache.flushed();
  return { removed, kept };
}

/** `<model fingerprint>:<preprocess id>` of a bottleneck key (everything before the content hash). */
function modelPart(key: string): string {
  return key.slice(0, key.lastIndexOf(':'));
}
