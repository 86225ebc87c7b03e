import path from 'node:path';
import { after, before } from 'node:test';
import type { RetrainConfig } from '../../src/config/define-config.js';
import { resolveConfig, type ResolvedConfig } from '../../src/config/resolved-config.js';
import { copySubset, MODEL_DIR, tempDir } from './shared.js';
import { useServices, type Services } from './services.js';

/** A data set and a work folder beside a real S3 API store (Swift + s3api), ready once the suite's `before` has run. */
export interface RemoteProject {
  services: Services;
  /** `perClass` photos of each hymenoptera class. */
  images: string;
  work: string;
  /** A build config named `name`: its own cache and output folders in `work`, the store's bucket under `prefix`. */
  config(name: string, overrides?: Partial<RetrainConfig>): ResolvedConfig;
}

/**
 * Registers, in the calling `describe`, the hooks that start the store and put its endpoint and keys in
 * process.env (in-process builds read them as the CLI does, from the SDK's chain), then stop it and restore the
 * environment.
 */
export function remoteProject(options: { perClass: number; seed: number; prefix: string; workPrefix: string }): RemoteProject {
  const saved = { ...process.env };
  const project = {
    config: (name: string, overrides: Partial<RetrainConfig> = {}) =>
      resolveConfig(
        {
          imageDir: project.images,
          model: MODEL_DIR,
          train: { steps: 60 },
          seed: options.seed,
          cacheDir: path.join(project.work, `${name}-cache`),
          outputDir: path.join(project.work, `${name}-out`),
          remoteCache: `s3://${project.services.bucket}/${options.prefix}`,
          ...overrides,
        },
        project.work,
      ),
  } as RemoteProject;
  before(async () => {
    project.services = (await useServices())!;
    Object.assign(process.env, project.services.env);
    project.images = await copySubset(options.perClass);
    project.work = await tempDir(options.workPrefix);
  });
  after(async () => {
    process.env = saved;
    await project.services?.stop();
  });
  return project;
}
