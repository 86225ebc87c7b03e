import { sha256Hex, sha256HexJoined, sha256HexOfParts } from '../util/content-hash.js';
import { compareDigests, rowsOf, type ImageRows } from '../util/image-rows.js';

/**
 * Every key retrain stores or looks things up under, and every version that is part of one: built here and
 * parsed here, nowhere else. A key is a promise that the same key means the same value, so a change to what
 * a value holds bumps the version that goes into its key (below), and a change to a key's shape is a change
 * of this file only. The keys of values already in users' caches stay byte-identical unless a version is
 * bumped on purpose (test/unit/keys.test.ts holds the keys of fixed inputs as the code made them before).
 *
 * This module is the bottom of the import graph: it imports only the SHA-256 helper and the image rows (util).
 */

// ---------------------------------------------------------------------------------------------- versions

/** Bumped whenever decoding + resizing an image gives other pixels (part of every bottleneck key). */
export const PREPROCESS_VERSION = 'sharp-rgb8-linear-v1';
/** Bumped whenever the way TF.js computes features from the same weights changes (batch norm folded). */
export const BN_FOLD_VERSION = 'bn-folded-v2';
/** Bumped whenever the Keras → ONNX conversion changes what the graph computes (batch-norm folding included). */
export const CONVERSION_VERSION = `onnx-v1+${BN_FOLD_VERSION}`;
/** Bumped whenever cutting an ONNX model at its feature tensor changes. */
export const ONNX_CUT_VERSION = 'onnx-cut-v1';
/** The recipe of a set of distortion settings (a variant's draws depend on it). */
export const DISTORTION_RECIPE = 'aug-v1';
/** The recipe of one concrete distortion (what a variant's vector depends on). */
export const AUGMENT_RECIPE = 'aug-v2';
/** The shape of the training data's key. */
export const TRAINING_DATA_VERSION = 2;
/**
 * Each stage's version: bumped whenever the stage would produce something else from the same declared
 * inputs (its key changes, so everything cached under the old one is recomputed).
 */
export const STAGE_VERSIONS = {
  scan: 1,
  hash: 1,
  bottleneck: 1,
  augment: 1,
  split: 1,
  train: 2,
  evaluate: 1,
  export: 4,
} as const;
export type StageName = keyof typeof STAGE_VERSIONS;
/**
 * The format of `<cacheDir>/stages/<output folder>.json`: @1 was one JSON object (every image keyed by path), @2 a
 * JSON header line then binary entries in path order, read as a stream (src/pipeline/stage-record.ts).
 */
export const STAGE_RECORD_FORMAT = 'retrain-stages@2';
/**
 * The format of `<cacheDir>/stages/<output folder>.up-to-date`. @3: the stage record beside it is of format @2 (an
 * @2 record vouched for an @1 stage record, and a no-op build would have left it for `retrain status` to call outdated),
 * and the misclassified test images are read from the stored evaluation it names, not held in it.
 */
export const UP_TO_DATE_RECORD_FORMAT = 'retrain-up-to-date@3';
/** The header of an object in the remote cache. */
export const REMOTE_OBJECT_MAGIC = 'retrain-object 1';

// ------------------------------------------------------------------------------------------------ content

/** The content key of an image file (what the stat cache remembers per file path). */
export function contentKey(bytes: Uint8Array): string {
  return sha256Hex(bytes);
}

// -------------------------------------------------------------------------------------------------- model

/** What computes a model's features: the recipe and the engine's version (part of the model's fingerprint). */
export function engineId(engine: { onnxruntime: string | undefined } | { tfjs: string; backend: string }): string {
  return 'tfjs' in engine
    ? `${BN_FOLD_VERSION}|${engine.backend}@${engine.tfjs}`
    : `${CONVERSION_VERSION}|onnxruntime@${engine.onnxruntime ?? 'unknown'}`;
}

/** The fingerprint of a TF.js model (converted or not): its files, feature layer, pooling and engine. */
export function modelFingerprint(contentHash: string, featureLayer: string | undefined, pooling: string | undefined, engine: string): string {
  return sha256Hex(`${contentHash}|${featureLayer ?? ''}|${pooling ?? ''}|${engine}`).slice(0, 16);
}

/** The fingerprint of an ONNX model cut at its feature tensor: its content, the cut and the engine. */
export function onnxModelFingerprint(contentHash: string, cut: unknown, onnxruntime: string | undefined): string {
  return sha256Hex(JSON.stringify([contentHash, cut, `${ONNX_CUT_VERSION}|onnxruntime@${onnxruntime ?? 'unknown'}`])).slice(0, 16);
}

/** How images are made into a model's input: the recipe, resize mode, size and value scaling. */
export function preprocessId(resize: string, inputSize: readonly [number, number], scaling: string): string {
  return `${PREPROCESS_VERSION}:${resize}:${inputSize[0]}x${inputSize[1]}:${scaling}`;
}

/** The scaling part of a preprocess id: a value range, or a torchvision-style mean and std. */
export function scalingId(range: readonly [number, number] | undefined, mean?: readonly number[], std?: readonly number[]): string {
  return mean ? `mean=${mean};std=${std}` : `${range![0]},${range![1]}`;
}

/** `<cacheDir>/onnx/<key>.onnx`: a Keras model converted to ONNX, keyed by its files, options and the conversion. */
export function convertedGraphKey(contentHash: string, options: unknown): string {
  return sha256Hex(`${contentHash}|${JSON.stringify(options)}|${CONVERSION_VERSION}`).slice(0, 16);
}

/** `<cacheDir>/onnx/<key>.onnx`: an ONNX model cut at its feature tensor, keyed by its content, the plan and the cut. */
export function cutGraphKey(contentHash: string, plan: unknown): string {
  return sha256Hex(JSON.stringify([contentHash, plan, ONNX_CUT_VERSION])).slice(0, 16);
}

/** The key of a whole model identity (what the export stage's key holds of the model). */
export function modelIdentityKey(identity: object): string {
  return sha256Hex(JSON.stringify(identity));
}

// ----------------------------------------------------------------------------------------------- bottlenecks

/** What a model contributes to a bottleneck key. */
export interface ModelKeyPart {
  fingerprint: string;
  preprocessId: string;
}

/**
 * Cache key of one image's bottleneck (and of its decode failure): model fingerprint, preprocessing (and,
 * for a distorted variant, `+` the identity of its distortion), then the image content, always last:
 * `<fingerprint>:<preprocess id>[+<augment id>]:<sha256>`.
 */
export function bottleneckKey(model: ModelKeyPart, sha256: string, augmentId?: string): string {
  return `${bottleneckPrefix(model, augmentId)}${sha256}`;
}

/** Everything of a bottleneck key before the content hash (what a model's keys all start with). */
export function bottleneckPrefix(model: ModelKeyPart, augmentId?: string): string {
  return `${model.fingerprint}:${augmentId ? `${model.preprocessId}+${augmentId}` : model.preprocessId}:`;
}

export interface ParsedBottleneckKey {
  /** `<fingerprint>:<preprocess id>[+<augment id>]`: what `retrain cache stats` counts vectors by. */
  model: string;
  fingerprint: string;
  /** The preprocess id, without the augment id. */
  preprocessId: string;
  augmentId?: string;
  /** The image content's SHA-256. */
  content: string;
}

/** The parts of a bottleneck key; undefined when `key` is not one. */
export function parseBottleneckKey(key: string): ParsedBottleneckKey | undefined {
  const last = key.lastIndexOf(':');
  const first = key.indexOf(':');
  if (first <= 0 || last <= first) return undefined;
  const model = key.slice(0, last);
  const preprocessing = key.slice(first + 1, last);
  const plus = preprocessing.lastIndexOf('+');
  const augmentId = plus >= 0 ? preprocessing.slice(plus + 1) : undefined;
  return {
    model,
    fingerprint: key.slice(0, first),
    preprocessId: plus >= 0 ? preprocessing.slice(0, plus) : preprocessing,
    ...(augmentId !== undefined ? { augmentId } : {}),
    content: key.slice(last + 1),
  };
}

/** Whether `key` is one of this model's bottleneck keys (plain or of a distorted variant). */
export function isBottleneckKeyOf(key: string, model: ModelKeyPart): boolean {
  const parsed = parseBottleneckKey(key);
  return parsed !== undefined && parsed.fingerprint === model.fingerprint && parsed.preprocessId === model.preprocessId;
}

// ------------------------------------------------------------------------------------------------ distortions

/** The distortion settings that a variant depends on. */
export interface DistortionSettings {
  flipLeftRight: boolean;
  randomCrop: number;
  randomScale: number;
  randomBrightness: number;
  /** Not part of the id: more variants reuse the first ones. */
  variants?: number;
}

/** Identity of the distortion settings (and of this recipe): seeds every variant's draws. */
export function distortionId(d: DistortionSettings): string {
  const recipe = [DISTORTION_RECIPE, d.flipLeftRight ? 1 : 0, d.randomCrop, d.randomScale, d.randomBrightness].join(',');
  return sha256Hex(recipe).slice(0, 12);
}

/** The seed of the k-th variant of an image under these settings. */
export function variantSeed(sha256: string, d: DistortionSettings, k: number): number {
  return Number.parseInt(sha256Hex(`${sha256}:${distortionId(d)}:${k}`).slice(0, 8), 16);
}

/**
 * Identity of one concrete distortion: variants that come out the same (two "flip" draws when only flipping
 * is on) share one cached vector.
 */
export function augmentId(spec: { scale: number; offsetX: number; offsetY: number; flip: boolean; brightness: number }): string {
  const recipe = [AUGMENT_RECIPE, spec.scale.toFixed(6), spec.offsetX.toFixed(6), spec.offsetY.toFixed(6), spec.flip ? 1 : 0, spec.brightness.toFixed(6)];
  // Offsets do not matter when there is no margin to crop.
  if (spec.scale === 1) recipe[2] = recipe[3] = '-';
  return sha256Hex(recipe.join(',')).slice(0, 12);
}

// ------------------------------------------------------------------------------------------------- data sets

/**
 * The key of a list of files (by path, in any order): what scan found and hash was given. A scan's columns
 * already in path order are hashed as they are, not copied into a million strings to sort.
 */
export function fileListKey(files: ReadonlyArray<{ path: string }> | PathColumn): string {
  if ('pathOrdered' in files && files.pathOrdered) return sha256HexOfParts(files.count, (i) => files.path(i), '\n');
  return sha256HexJoined(Array.from(files, (f) => f.path).sort(), '\n');
}

/** Files as columns (a scan's): their paths by row, and whether the rows are in path order. */
interface PathColumn extends Iterable<{ path: string }> {
  readonly count: number;
  readonly pathOrdered: boolean;
  path(i: number): string;
}

/**
 * A split data set's images as the keys read them: image `i`'s fields by index (a data set held as columns, not
 * an object per image); its content hashes are lower-case SHA-256 hex, the bytes of its digest column.
 * `variantKey(i, k)` is undefined past the image's last distorted variant.
 */
export interface ImageTable extends ImageRows {
  key(i: number): string;
  set(i: number): string;
  variantKey(i: number, k: number): string | undefined;
  /**
   * When given, every `key(i)` is this + `sha256(i)`: keys are then compared by the digest column's bytes, not
   * made as strings for every comparison of the sort.
   */
  readonly keyPrefix?: string;
}

/** The fields of a set of images that its content key reads. */
type ContentRows = Pick<ImageRows, 'count' | 'label' | 'relPath' | 'sha256' | 'digestColumn'>;

/** The content key of a set of images: each one's class, name in its class folder and content hash. */
export function imagesKey(images: ReadonlyArray<{ label: string; relPath: string; sha256: string }> | ContentRows): string {
  if (!('count' in images)) {
    const table = rowsOf(images);
    return sortedLinesHash(rowIndices(table), { field: (i, f) => (f === 0 ? table.label(i) : f === 1 ? table.relPath(i) : f === 2 ? table.sha256(i) : undefined) }, '\n');
  }
  // Columns: the hashes are hex (never a character at or below the tab) and sort as their bytes.
  const digests = images.digestColumn();
  return sortedLinesHash(
    rowIndices(images),
    {
      field: (i, f) => (f === 0 ? images.label(i) : f === 1 ? images.relPath(i) : f === 2 ? images.sha256(i) : undefined),
      plain: (f) => f === 2,
      compare: (a, b, f) => (f === 2 ? compareDigests(digests, a, b) : undefined),
    },
    '\n',
  );
}

/** The content key of one set of a split (each image's class and vector key). */
export function imageSetKey(images: ReadonlyArray<{ set: string; label: string; key: string }> | ImageTable, set: 'training' | 'validation' | 'testing'): string {
  const table = 'count' in images ? images : rowsOf(images);
  const key = keyField(table, 1);
  // JSON.stringify of the sorted lines, made a line at a time.
  return sortedLinesHash(
    rowIndices(table, (i) => table.set(i) === set),
    { field: (i, f) => (f === 0 ? table.label(i) : f === 1 ? table.key(i) : undefined), ...key },
    ',',
    '[',
    ']',
    (line) => JSON.stringify(line),
  );
}

/** The content key of the test set (what evaluation and export see of it). */
export function testSetKey(images: ReadonlyArray<{ set: string; label: string; key: string }> | ImageTable): string {
  return imageSetKey(images, 'testing');
}

/**
 * Identity of the data a head is trained on: which vectors with which labels in which set (testing images
 * do not train it). The train stage's key is made of it and the declared training settings, so one key
 * always trains the same head.
 */
export function trainingDataKey(
  labels: readonly string[],
  examples: ReadonlyArray<{ key: string; label: string; set: string; variants?: ReadonlyArray<{ key: string }> }> | ImageTable,
): string {
  const table = 'count' in examples ? examples : rowsOf(examples);
  // JSON.stringify({ version, labels, examples: lines }), made a line at a time.
  const before = JSON.stringify({ version: TRAINING_DATA_VERSION, labels, examples: [] }).slice(0, -2);
  return sortedLinesHash(
    rowIndices(table, (i) => table.set(i) !== 'testing'),
    { field: (i, f) => (f === 0 ? table.set(i) : f === 1 ? table.label(i) : f === 2 ? table.key(i) : table.variantKey(i, f - 3)), ...keyField(table, 2) },
    ',',
    before,
    ']}',
    (line) => JSON.stringify(line),
  );
}

/**
 * How field `f` (every row's vector key) is checked and compared when the table's keys are its prefix + the
 * content hash: the prefix is checked once and the keys compare as the digests' bytes (as their hex does).
 */
function keyField(table: Partial<Pick<ImageTable, 'keyPrefix' | 'digestColumn'>>, f: number): Pick<LineFields, 'plain' | 'compare'> {
  const { keyPrefix } = table;
  if (keyPrefix === undefined || !table.digestColumn) return {};
  const digests = table.digestColumn();
  const prefixPlain = !AT_OR_BELOW_TAB.test(keyPrefix);
  return { plain: (g) => g === f && prefixPlain, compare: (a, b, g) => (g === f ? compareDigests(digests, a, b) : undefined) };
}

/** The indices of a table's rows (those `keep` keeps). */
function rowIndices(table: Pick<ImageRows, 'count'>, keep?: (i: number) => boolean): Uint32Array {
  const rows = new Uint32Array(table.count);
  let n = 0;
  for (let i = 0; i < table.count; i++) if (!keep || keep(i)) rows[n++] = i;
  return rows.subarray(0, n);
}

/** A key's lines: each row's fields, and what is known of them without making them. */
interface LineFields {
  /** Field `f` of `row`; undefined past the row's last field. */
  field(row: number, f: number): string | undefined;
  /** Whether field `f` is known to hold no character at or below the tab in any row (only fields every row has). */
  plain?(f: number): boolean;
  /** Field `f` of two rows compared as the strings compare (by sign), when known without making them; else undefined. */
  compare?(a: number, b: number, f: number): number | undefined;
}

/**
 * sha256HexJoined of the rows' lines (their fields joined by tabs), sorted as strings, each line made only when it
 * is hashed: a million-image data set's sorted lines were 100–170 MB of strings per key, promoted to the old
 * heap before they were sorted. Rows are sorted field by field, which is the lines' order when no field holds a
 * character at or below the tab (then a field that begins another sorts first either way); otherwise the
 * lines are made and sorted. Fields known to be plain are not checked row by row, and fields with a cheaper
 * comparison (content hashes, keys that share a prefix: by the digests' bytes) are not made to be sorted.
 */
function sortedLinesHash(
  rows: Uint32Array,
  fields: LineFields,
  separator: string,
  before = '',
  after = '',
  each: (line: string) => string = (line) => line,
): string {
  const { field } = fields;
  const line = (row: number) => {
    let text = field(row, 0)!;
    for (let f = 1, next = field(row, 1); next !== undefined; next = field(row, ++f)) text += `\t${next}`;
    return text;
  };
  const known = (f: number) => fields.plain?.(f) === true;
  const plain = rows.every((row) => {
    for (let f = 0; ; f++) {
      if (known(f)) continue;
      const value = field(row, f);
      if (value === undefined) return true;
      if (AT_OR_BELOW_TAB.test(value)) return false;
    }
  });
  if (!plain) return sha256HexJoined(Array.from(rows, line).sort(), separator, before, after, each);
  const compare = (a: number, b: number): number => {
    for (let f = 0; ; f++) {
      const known = fields.compare?.(a, b, f);
      if (known !== undefined) {
        if (known !== 0) return known;
        continue;
      }
      const x = field(a, f);
      const y = field(b, f);
      if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? -1 : 1;
      if (x !== y) return x < y ? -1 : 1;
    }
  };
  const order = Uint32Array.from(rows).sort(compare);
  return sha256HexOfParts(order.length, (i) => each(line(order[i]!)), separator, before, after);
}

const AT_OR_BELOW_TAB = /[\0-\t]/;

// --------------------------------------------------------------------------------------------------- stages

/** A stage's key: its name, version, declared config values (sorted by name) and upstream keys (sorted). */
export function stageKey(name: string, version: number, config: Readonly<Record<string, unknown>>, upstream: Readonly<Record<string, string>>): string {
  const sortedConfig = Object.fromEntries(Object.keys(config).sort().map((k) => [k, config[k]]));
  const sortedUpstream = Object.fromEntries(Object.keys(upstream).sort().map((k) => [k, upstream[k]]));
  return sha256Hex(JSON.stringify({ stage: name, version, config: sortedConfig, upstream: sortedUpstream }));
}

/** The key of a head warm-started from another: its training key and the starting head's key. */
export function warmHeadKey(trainingKey: string, startHead: string): string {
  return sha256Hex(`${trainingKey}|warm:${startHead}`);
}

/**
 * The manifest's `configHash`: the config values the stages declare as keyed inputs (named `stage:input`,
 * sorted), so settings that do not change the model (workers, folders, where vectors are shared from) do not
 * change it either.
 */
export function configHash(declared: Readonly<Record<string, unknown>>): string {
  const sorted = Object.fromEntries(Object.keys(declared).sort().map((k) => [k, declared[k]]));
  return sha256Hex(JSON.stringify(sorted)).slice(0, 16);
}

/** The file name of an output folder's stage record (`<cacheDir>/stages/<name>`), from its absolute path. */
export function stageRecordName(absoluteOutputDir: string): string {
  return `${sha256Hex(absoluteOutputDir).slice(0, 16)}.json`;
}

/**
 * The file name of an output folder's up-to-date record (`<cacheDir>/stages/<name>`: what a no-op rebuild
 * checks instead of the stage record), from its absolute path.
 */
export function upToDateRecordName(absoluteOutputDir: string): string {
  return `${sha256Hex(absoluteOutputDir).slice(0, 16)}.up-to-date`;
}

/** The key of everything a build reads besides the images: the resolved config and the model's identity. */
export function buildInputsKey(config: unknown, modelIdentity: string, engine: string): string {
  return sha256Hex(JSON.stringify({ version: UP_TO_DATE_RECORD_FORMAT, config, modelIdentity, engine }));
}

// ---------------------------------------------------------------------------------------- remote and queue

/** Where a cache key's object lives under the prefix: hashed (keys hold colons), fanned out by 2 hex digits. */
export function remoteObjectName(prefix: string, table: string, key: string): string {
  const name = sha256Hex(key);
  return [prefix, table, name.slice(0, 2), name].filter(Boolean).join('/');
}

/** Job ids are content hashes of the key (BullMQ ids may not hold ':'), so a job is added once however often it is asked for. */
export function queueJobId(key: string): string {
  return sha256Hex(key);
}
