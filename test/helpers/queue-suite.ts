import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before } from 'node:test';
import { copySubset, HAS_SHARED, MODEL_DIR, tempDir } from './shared.js';
import { SERVICES_MISSING, useServices, type Services } from './services.js';

/** Why a queue suite (real Redis + S3 API store + shared photos and model) cannot run here, or false. */
export const QUEUE_SKIP: string | false = (!HAS_SHARED && 'shared models/data sets not found') || SERVICES_MISSING || false;

/** What a queue suite's tests share; set by its `before` hook. */
export interface QueueSuite {
  services: Services;
  /** `perClass` photos of each hymenoptera class, copied. */
  images: string;
  /** An empty folder for the suite's caches, configs and outputs. */
  work: string;
}

/**
 * Inside a `describe`: starts real Redis and S3 API servers before its tests with their environment set (so
 * the CLI and the library find them), copies the photos and makes a work folder; after them runs `cleanup`
 * (stop workers and watchers), puts the environment back and stops the servers.
 */
export function useQueueSuite(perClass: number, prefix: string, cleanup: () => Promise<void> = async () => {}): QueueSuite {
  const suite = {} as QueueSuite;
  const saved = { ...process.env };
  before(async () => {
    suite.services = (await useServices())!;
    Object.assign(process.env, suite.services.env);
    suite.images = await copySubset(perClass);
    suite.work = await tempDir(prefix);
  });
  after(async () => {
    await cleanup();
    process.env = saved;
    await suite.services?.stop();
  });
  return suite;
}

/**
 * Writes `<work>/retrain.config.mjs` for the suite's photos on the shared model, one worker thread, seed 2, the
 * cache in `<work>/cache`, the model in `<work>/out` and the remote cache under `s3://<bucket>/<remotePrefix>`,
 * with `extra` fields; returns its path.
 */
export async function writeQueueConfig(suite: QueueSuite, remotePrefix: string, extra: Record<string, unknown>): Promise<string> {
  const file = path.join(suite.work, 'retrain.config.mjs');
  const config = {
    imageDir: suite.images,
    model: MODEL_DIR,
    seed: 2,
    workers: 1,
    cacheDir: path.join(suite.work, 'cache'),
    outputDir: path.join(suite.work, 'out'),
    remoteCache: `s3://${suite.services.bucket}/${remotePrefix}`,
    ...extra,
  };
  await fs.writeFile(file, `export default ${JSON.stringify(config)};\n`);
  return file;
}
