import { selectEngine } from '../engine/feature-engine.js';
import { pruneGraphs } from '../engine/onnx/graph-store.js';
import { resolveModel } from '../engine/model/resolve-model.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { hashFile } from '../images/hash-file.js';
import { scanImageDirs } from '../images/scan-image-dirs.js';
import { parseBottleneckKey } from '../store/keys.js';
import { CACHE_TABLES, type CacheTable, type RetrainCache, type StoredHead } from '../store/retrain-cache.js';

export interface CacheStats {
  diskBytes: number;
  entries: Record<CacheTable, number>;
  /** Bottleneck count per model fingerprint + preprocessing. */
  bottlenecksByModel: Record<string, number>;
  /** Entries of an older value format (never read; `retrain cache gc` drops them). */
  formerFormatEntries: number;
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
    formerFormatEntries: cache.formerTables().reduce((sum, t) => sum + t.entries, 0),
  };
}

export interface Removal {
  table: CacheTable;
  key: string;
  reason: string;
}

/**
 * Checks every entry and removes the damaged ones: values whose checksum does not match (damaged on disk),
 * vectors of the wrong size (each model's vectors share one length) or with non-finite values, heads that
 * do not decode or hold non-finite weights, stat records that are not records.
 */
export async function verifyCache(cache: RetrainCache): Promise<{ checked: number; removed: Removal[] }> {
  const removed: Removal[] = [];
  let checked = 0;
  const vectorLengths: [string, number][] = [];
  const lengths = new Map<string, Map<number, number>>();
  for (const table of CACHE_TABLES) {
    for (const [key, bytes] of cache.entries(table)) {
      checked++;
      const decoded = cache.decode(table, key, bytes);
      if ('damaged' in decoded) {
        removed.push({ table, key, reason: decoded.damaged });
      } else if (table === 'bottlenecks') {
        const vector = decoded.value as Float32Array;
        const byLength = lengths.get(modelPart(key)) ?? new Map<number, number>();
        byLength.set(vector.length, (byLength.get(vector.length) ?? 0) + 1);
        lengths.set(modelPart(key), byLength);
        if (!vector.every(Number.isFinite)) removed.push({ table, key, reason: 'non-finite values' });
        else vectorLengths.push([key, vector.length]);
      } else if (table === 'heads') {
        const head = decoded.value as StoredHead;
        const finite = head.weights.every(Number.isFinite) && head.biases.every(Number.isFinite) && (!head.hidden || head.hidden.weights.every(Number.isFinite));
        if (!finite) removed.push({ table, key, reason: 'non-finite weights' });
      }
    }
  }
  const usualLength = new Map([...lengths].map(([model, byLength]) => [model, [...byLength].sort((a, b) => b[1] - a[1])[0]![0]]));
  for (const [key, length] of vectorLengths) {
    const usual = usualLength.get(modelPart(key))!;
    if (length === 0) removed.push({ table: 'bottlenecks', key, reason: 'not a float32 vector' });
    else if (length !== usual) removed.push({ table: 'bottlenecks', key, reason: `${length} values where this model has ${usual}` });
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
): Promise<{ removed: Record<CacheTable | 'onnxGraphs' | 'formerFormat', number>; kept: number }> {
  const { identity, engine } = await selectEngine(config.backend, await resolveModel(config.model, config.modelOptions, config.cacheDir, config.modelsDirs), config.cacheDir);
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
  const removed: Record<CacheTable | 'onnxGraphs' | 'formerFormat', number> = { bottlenecks: 0, failures: 0, files: 0, heads: 0, onnxGraphs: 0, formerFormat: 0 };
  removed.formerFormat = await cache.dropFormerTables();
  if (!keepOtherModels) removed.onnxGraphs = await pruneGraphs(config.cacheDir, engine.onnxFile);
  let kept = 0;
  for (const table of ['bottlenecks', 'failures'] as const) {
    for (const [key] of cache.entries(table)) {
      const model = modelPart(key);
      const referenced = contents.has(parseBottleneckKey(key)?.content ?? '');
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

/**
 * `<model fingerprint>:<preprocess id>` of a bottleneck key: a distorted variant's key counts with its model
 * (its augment id is left out), so gc keeps the variants of the current model's images.
 */
function modelPart(key: string): string {
  const parsed = parseBottleneckKey(key);
  return parsed ? `${parsed.fingerprint}:${parsed.preprocessId}` : key;
}
