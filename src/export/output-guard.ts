import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describeWriteError } from '../util/file-errors.js';
import { LABELS_FILE, MANIFEST_FILE, ONNX_FILE, type ExportManifest } from './export-manifest.js';

/**
 * The one rule for everything retrain writes: it may replace only what it wrote itself. A model folder
 * may be replaced when it is new, empty, or holds a retrain export and nothing else; a labels or table
 * file when it is new or holds what retrain wrote there. Nothing is written inside an image folder or the
 * cache, or to a folder that contains one. Each check throws an OutputRefusedError of one line.
 */
export class OutputRefusedError extends Error {
  override name = 'OutputRefusedError';
}

/** Folders no output may be in, or contain. */
export interface ProtectedFolders {
  imageDirs: readonly string[];
  cacheDir: string;
}

/** What an export writes at the top of its folder. */
export const EXPORT_ENTRIES: ReadonlySet<string> = new Set(['model.json', 'weights.bin', ONNX_FILE, LABELS_FILE, MANIFEST_FILE, 'report.html', 'logs']);
/** Files an OS file browser drops in any folder it shows; replacing them loses nothing. */
const OS_LITTER: ReadonlySet<string> = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini']);

/** True when `dir` holds nothing but what an export writes (an empty folder too). */
export async function holdsOnlyExportFiles(dir: string): Promise<boolean> {
  const entries = await fs.readdir(dir).catch(() => undefined);
  return entries !== undefined && entries.every((name) => EXPORT_ENTRIES.has(name) || OS_LITTER.has(name));
}

/**
 * Refuses `dir` as a folder retrain replaces whole (an exported model) unless it is absent, empty, or
 * a retrain export with nothing else in it; `what` names it in the message ("output folder (--output-dir)").
 */
export async function checkModelFolder(dir: string, what: string, guarded: ProtectedFolders): Promise<void> {
  await checkPlacement(dir, what, guarded);
  await checkReplaceable(dir, what);
}

/** The part of checkModelFolder that looks at what is in `dir` (it is checked again just before the swap). */
export async function checkReplaceable(dir: string, what: string): Promise<void> {
  const stat = await fs.lstat(dir).catch(() => undefined);
  if (!stat) return checkCreatable(dir, what);
  if (stat.isSymbolicLink()) throw refuse(what, dir, 'is a symbolic link; give the folder it points to, or a new folder');
  if (!stat.isDirectory()) throw refuse(what, dir, 'is a file, not a folder; retrain writes a model folder there: choose a new or empty folder');
  const entries = (await fs.readdir(dir)).filter((name) => !OS_LITTER.has(name)).sort();
  if (entries.length > 0) {
    const manifest = await readJson<Partial<ExportManifest>>(path.join(dir, MANIFEST_FILE));
    if (manifest?.format !== 'retrain-model@1') {
      const damage = entries.includes(MANIFEST_FILE) && entries.every((name) => EXPORT_ENTRIES.has(name)) ? await manifestDamage(path.join(dir, MANIFEST_FILE)) : undefined;
      if (damage) {
        throw refuse(what, dir, `looks like a retrain model but its ${MANIFEST_FILE} is damaged (${damage}), so retrain cannot tell it wrote the folder: delete or move the folder and build again, or choose another folder`);
      }
      throw refuse(what, dir, `holds files retrain did not write (${sample(entries)}) and retrain replaces this folder whole: choose a new or empty folder`);
    }
    const foreign = [...entries.filter((name) => !EXPORT_ENTRIES.has(name)), ...(entries.includes('logs') ? await foreignLogs(dir) : [])];
    if (foreign.length > 0) {
      throw refuse(what, dir, `holds a retrain model and also files retrain did not write (${sample(foreign)}), which replacing the model would delete: move them out or choose another folder`);
    }
  }
  await checkWritable(path.dirname(dir), what, dir);
}

/** What a file's owner check finds: retrain's (true), not retrain's (false), or damaged beyond telling (what is wrong). */
export type Ownership = boolean | { damaged: string };

/**
 * Refuses a file retrain overwrites (a labels file, an experiments table) unless it is absent or `isOurs`
 * says its content is what retrain wrote.
 */
export async function checkOwnedFile(file: string, what: string, guarded: ProtectedFolders, isOurs: (content: string) => Ownership | Promise<Ownership>): Promise<void> {
  await checkPlacement(file, what, guarded);
  const stat = await fs.lstat(file).catch(() => undefined);
  if (!stat) return checkCreatable(file, what);
  if (!stat.isFile()) throw refuse(what, file, `is ${stat.isDirectory() ? 'a folder' : 'not a regular file'}; give the path of a file to write`);
  const content = stat.size <= 1 << 20 ? await fs.readFile(file, 'utf8') : undefined;
  const ours = content === undefined ? false : content.trim() === '' ? { damaged: 'it is empty' } : await isOurs(content);
  if (typeof ours === 'object') {
    throw refuse(what, file, `is damaged (${ours.damaged}), so retrain cannot tell it wrote it: delete it (the next run writes it again) or choose another path`);
  }
  if (!ours) {
    throw refuse(what, file, 'exists and is not a file retrain wrote there; remove it or choose another path');
  }
  await checkWritable(path.dirname(file), what, file);
}

/**
 * Checks a folder retrain only adds files to (TensorBoard summaries, the experiments folder): it must
 * be a folder or absent, outside image folders and the cache, and each of `subfolders` a folder if present.
 */
export async function checkAddOnlyFolder(dir: string, what: string, guarded: ProtectedFolders, subfolders: readonly string[] = []): Promise<void> {
  await checkPlacement(dir, what, guarded);
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat) return checkCreatable(dir, what);
  if (!stat.isDirectory()) throw refuse(what, dir, 'is a file, not a folder; choose a folder');
  for (const name of subfolders) {
    const sub = await fs.lstat(path.join(dir, name)).catch(() => undefined);
    if (sub && !sub.isDirectory()) throw refuse(what, dir, `holds a file named "${name}" where retrain writes a folder; move it or choose another folder`);
  }
  await checkWritable(dir, what, dir);
}

/** Never in, never around an image folder or the cache (compared by real path, so links do not hide it). */
export async function checkPlacement(target: string, what: string, { imageDirs, cacheDir }: ProtectedFolders): Promise<void> {
  const real = await realPath(target);
  const guarded: Array<[string, string]> = [...imageDirs.map((d): [string, string] => [d, 'the image folder']), [cacheDir, 'the cache folder']];
  for (const [dir, name] of guarded) {
    const other = await realPath(dir);
    if (real === other) throw refuse(what, target, `is ${name}; choose a folder of its own`);
    if (isWithin(real, other)) throw refuse(what, target, `is inside ${name} ${dir}; choose a folder outside it`);
    if (isWithin(other, real)) throw refuse(what, target, `contains ${name} ${dir}; choose a folder of its own`);
  }
}

/**
 * The cache folder may not be an image folder or inside one (by real path): the scan would read it as a class
 * of images, and the curation page could move its files to the trash.
 */
export async function checkCacheFolder(cacheDir: string, imageDirs: readonly string[]): Promise<void> {
  const real = await realPath(cacheDir);
  for (const dir of imageDirs) {
    const other = await realPath(dir);
    if (real === other) throw refuse('cache folder (--cache-dir)', cacheDir, 'is the image folder; choose a folder outside it (the default is .retrain-cache)');
    if (isWithin(real, other)) throw refuse('cache folder (--cache-dir)', cacheDir, `is inside the image folder ${dir}; choose a folder outside it (the default is .retrain-cache)`);
  }
}

/** The manifest of the model in `dir` if it is a retrain export. */
export async function exportedManifest(dir: string): Promise<Partial<ExportManifest> | undefined> {
  const manifest = await readJson<Partial<ExportManifest>>(path.join(dir, MANIFEST_FILE));
  return manifest?.format === 'retrain-model@1' ? manifest : undefined;
}

/** The export's TensorBoard event files: logs/train and logs/validation, each `events.out.tfevents.<time>.retrain`. */
const LOG_RUNS: ReadonlySet<string> = new Set(['train', 'validation']);
const EVENT_FILE = /^events\.out\.tfevents\.\d+\.retrain$/;

/** What under `dir`/logs the export did not write (paths relative to `dir`): replacing the model would delete them. */
async function foreignLogs(dir: string): Promise<string[]> {
  const logs = path.join(dir, 'logs');
  const stat = await fs.lstat(logs);
  if (!stat.isDirectory()) return ['logs'];
  const foreign: string[] = [];
  for (const run of (await fs.readdir(logs)).sort()) {
    if (OS_LITTER.has(run)) continue;
    const runStat = await fs.lstat(path.join(logs, run));
    if (!LOG_RUNS.has(run) || !runStat.isDirectory()) {
      foreign.push(`logs/${run}`);
      continue;
    }
    for (const name of (await fs.readdir(path.join(logs, run))).sort()) {
      if (OS_LITTER.has(name)) continue;
      const file = await fs.lstat(path.join(logs, run, name));
      if (!EVENT_FILE.test(name) || !file.isFile()) foreign.push(`logs/${run}/${name}`);
    }
  }
  return foreign;
}

function refuse(what: string, target: string, reason: string): OutputRefusedError {
  return new OutputRefusedError(`${what} ${target} ${reason}`);
}

/** A path not there yet: its nearest existing ancestor must be a folder we can write in. */
async function checkCreatable(target: string, what: string): Promise<void> {
  let dir = path.dirname(path.resolve(target));
  for (;;) {
    const stat = await fs.stat(dir).catch(() => undefined);
    if (stat) {
      if (!stat.isDirectory()) throw refuse(what, target, `cannot be made: ${dir} is a file, not a folder`);
      return checkWritable(dir, what, target);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

async function checkWritable(dir: string, what: string, target: string): Promise<void> {
  try {
    await fs.access(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw refuse(what, target, `cannot be written in ${dir}: ${describeWriteError(error)}; choose a writable folder`);
  }
}

/** The real path of `p`, or of its nearest existing ancestor joined with the rest. */
async function realPath(p: string): Promise<string> {
  const rest: string[] = [];
  let current = path.resolve(p);
  for (;;) {
    try {
      return path.join(await fs.realpath(current), ...rest);
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return path.resolve(p);
      rest.unshift(path.basename(current));
      current = parent;
    }
  }
}

function isWithin(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** What is wrong with a manifest file that is not JSON or has no format (undefined: unreadable, or another program's JSON). */
async function manifestDamage(file: string): Promise<string | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  if (text.trim() === '') return 'it is empty';
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !('format' in parsed) ? 'it has no "format" field' : undefined;
  } catch (error) {
    return `not valid JSON: ${(error as Error).message}`;
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function sample(names: readonly string[]): string {
  const shown = names.slice(0, 3).map((n) => JSON.stringify(n)).join(', ');
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}
