import fs from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../../util/content-hash.js';
import { expectedWeightBytes, type ModelJson } from './weights-manifest.js';

export class ModelDownloadError extends Error {
  override name = 'ModelDownloadError';
}

const INTEGRITY_FILE = 'integrity.json';

/**
 * Downloads model.json and its weight shards from an http(s) URL into `modelsDir/<hash of url>/` once.
 * Each shard's size is checked against the manifest; SHA-256 of every file is recorded and verified on
 * every later use, so a damaged cache is downloaded again rather than used. The folder appears atomically.
 * Returns the local model.json path.
 */
export async function downloadModel(url: string, modelsDir: string): Promise<string> {
  const target = path.join(modelsDir, sha256Hex(url).slice(0, 24));
  if (await verifyDownloaded(target)) return path.join(target, 'model.json');

  const modelUrl = new URL(url);
  const modelBytes = await fetchBytes(modelUrl);
  let json: ModelJson;
  try {
    json = JSON.parse(Buffer.from(modelBytes).toString('utf8')) as ModelJson;
  } catch {
    throw new ModelDownloadError(`${url}: not a TF.js model.json (invalid JSON)`);
  }
  if (!Array.isArray(json.weightsManifest)) throw new ModelDownloadError(`${url}: model.json has no weightsManifest`);

  await fs.mkdir(modelsDir, { recursive: true });
  const temp = await fs.mkdtemp(path.join(modelsDir, '.download-'));
  try {
    const integrity: Record<string, string> = { 'model.json': sha256Hex(modelBytes) };
    await fs.writeFile(path.join(temp, 'model.json'), modelBytes);
    for (const group of json.weightsManifest) {
      let groupBytes = 0;
      for (const shard of group.paths) {
        if (shard.includes('..') || path.isAbsolute(shard)) throw new ModelDownloadError(`${url}: unsafe weight path "${shard}"`);
        const bytes = await fetchBytes(new URL(shard, modelUrl));
        groupBytes += bytes.byteLength;
        integrity[shard] = sha256Hex(bytes);
        await fs.mkdir(path.dirname(path.join(temp, shard)), { recursive: true });
        await fs.writeFile(path.join(temp, shard), bytes);
      }
      const expected = expectedWeightBytes(group.weights);
      if (expected !== undefined && expected !== groupBytes) {
        throw new ModelDownloadError(`${url}: weight files hold ${groupBytes} bytes, manifest says ${expected} (truncated download?)`);
      }
    }
    await fs.writeFile(path.join(temp, INTEGRITY_FILE), JSON.stringify({ url, files: integrity }, null, 2));
    await fs.rm(target, { recursive: true, force: true });
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { recursive: true, force: true });
    throw error;
  }
  return path.join(target, 'model.json');
}

/**
 * Downloads one `.onnx` file from an http(s) URL into `modelsDir/<hash of url>/model.onnx` once, with the
 * same rules as `downloadModel`: its SHA-256 is recorded and verified on every later use (a damaged copy is
 * downloaded again), and the folder appears atomically. Returns the local file's path.
 */
export async function downloadOnnxModel(url: string, modelsDir: string): Promise<string> {
  const target = path.join(modelsDir, sha256Hex(url).slice(0, 24));
  const file = path.join(target, 'model.onnx');
  if (await verifyDownloaded(target)) return file;
  const bytes = await fetchBytes(new URL(url));
  await fs.mkdir(modelsDir, { recursive: true });
  const temp = await fs.mkdtemp(path.join(modelsDir, '.download-'));
  try {
    await fs.writeFile(path.join(temp, 'model.onnx'), bytes);
    await fs.writeFile(path.join(temp, INTEGRITY_FILE), JSON.stringify({ url, files: { 'model.onnx': sha256Hex(bytes) } }, null, 2));
    await fs.rm(target, { recursive: true, force: true });
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { recursive: true, force: true });
    throw error;
  }
  return file;
}

async function verifyDownloaded(dir: string): Promise<boolean> {
  try {
    const { files } = JSON.parse(await fs.readFile(path.join(dir, INTEGRITY_FILE), 'utf8')) as { files: Record<string, string> };
    for (const [file, hash] of Object.entries(files)) {
      if (sha256Hex(await fs.readFile(path.join(dir, file))) !== hash) return false;
    }
    return true;
  } catch {
    return false;
  }
}

async function fetchBytes(url: URL): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new ModelDownloadError(`${url}: download failed (${cause?.code ?? cause?.message ?? (error as Error).message})`);
  }
  if (!response.ok) throw new ModelDownloadError(`${url}: download failed (HTTP ${response.status} ${response.statusText})`);
  return new Uint8Array(await response.arrayBuffer());
}
