/**
 * The package as people get it: `npm pack`, installed into an empty folder, then `npx retrain build` and
 * `import { build, defineConfig } from 'retrain'` there, on real photos and weights.
 *
 * Offline and without hanging: the install is `npm ci --offline` of a lockfile made from ours (the same
 * versions the tests run with), so npm takes every package from its cache (filled by `npm ci` here) and never
 * asks the registry. `--ignore-scripts`: no dependency needs its install script to run here (sharp, lmdb and
 * onnxruntime-node ship their binaries in packages); onnxruntime-node's would download CUDA libraries and
 * tfjs-node's libtensorflow, which cannot work offline (tfjs-node then does not load and TF.js uses wasm).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { copySubset, MODEL_DIR, needsShared, REPO_ROOT, tempDir } from './helpers/shared.js';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';

interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  [field: string]: unknown;
}

/** A lockfile for a project that depends only on the packed tarball, with our lock's versions of its dependencies. */
async function consumerLock(tarball: string): Promise<object> {
  const ours = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const pkg = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const root = ours.packages['']!;
  const file = `file:${path.basename(tarball)}`;
  const integrity = `sha512-${createHash('sha512').update(await fs.readFile(tarball)).digest('base64')}`;
  const packages: Record<string, LockEntry> = {
    '': { name: 'consumer', dependencies: { retrain: file } },
    'node_modules/retrain': {
      version: pkg.version,
      resolved: file,
      integrity,
      license: pkg.license,
      dependencies: root.dependencies,
      optionalDependencies: root.optionalDependencies,
      bin: root.bin,
      engines: root.engines,
    },
  };
  for (const [where, entry] of Object.entries(ours.packages)) {
    if (where === '' || entry.dev) continue;
    const { devOptional, ...rest } = entry;
    packages[where] = devOptional ? { ...rest, optional: true } : rest;
  }
  return { name: 'consumer', lockfileVersion: 3, requires: true, packages };
}

describe('the npm package', () => {
  it('packs dist/ and bin/ alone, installs offline into an empty folder, and works from npx and import', { timeout: 1_200_000 }, async (t) => {
    if (!needsShared(t)) return;
    const work = await tempDir('retrain-package-');
    const { stdout: packed } = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO_ROOT, timeout: 120_000 });
    const [{ filename, files }] = JSON.parse(packed) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const paths = files.map((f) => f.path);
    for (const needed of ['bin/retrain.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/src/engine/worker.js', 'package.json', 'README.md']) {
      assert.ok(paths.includes(needed), `the package holds ${needed}`);
    }
    const strays = paths.filter((p) => !/^(bin\/|dist\/(src|tasks)\/|package\.json$|README\.md$|LICENSE)/.test(p));
    assert.deepEqual(strays, [], 'nothing but the library, the CLI and the package files (no tests, benchmarks or build/)');

    const consumer = path.join(work, 'consumer');
    await fs.mkdir(consumer);
    const tarball = path.join(consumer, path.basename(filename));
    await fs.rename(path.join(work, path.basename(filename)), tarball);
    await fs.writeFile(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { retrain: `file:${path.basename(tarball)}` } }));
    await fs.writeFile(path.join(consumer, 'package-lock.json'), JSON.stringify(await consumerLock(tarball)));
    await run(NPM, ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: consumer, timeout: 900_000 });

    // The CLI, through npx, with a TypeScript config that imports the package by name.
    await copySubset(6, 'train', path.join(consumer, 'photos'));
    await fs.writeFile(
      path.join(consumer, 'retrain.config.ts'),
      `import { defineConfig } from 'retrain';\n` +
        `export default defineConfig({ imageDir: 'photos', model: ${JSON.stringify(MODEL_DIR)}, train: { steps: 20 }, workers: 1, seed: 3 });\n`,
    );
    const { stdout: cli } = await run(NPX, ['--no-install', 'retrain', 'build', '--json'], { cwd: consumer, timeout: 300_000 });
    const built = JSON.parse(cli.trim().split('\n').at(-1)!) as { classes: string[]; bottlenecksComputed: number; exported: boolean };
    assert.deepEqual(built.classes, ['ants', 'bees']);
    assert.equal(built.bottlenecksComputed, 12);
    assert.equal(built.exported, true);

    // The library: the same build through the API finds everything up to date; the exported model predicts.
    await fs.writeFile(
      path.join(consumer, 'use.mjs'),
      `import { build, defineConfig, resolveConfig, loadExportedModel, initBackend } from 'retrain';\n` +
        `import fs from 'node:fs/promises';\n` +
        `const config = resolveConfig(defineConfig({ imageDir: 'photos', model: ${JSON.stringify(MODEL_DIR)}, train: { steps: 20 }, workers: 1, seed: 3 }), process.cwd());\n` +
        `const result = await build(config);\n` +
        `await initBackend('auto');\n` +
        `const model = await loadExportedModel(result.outputDir);\n` +
        `const image = (await fs.readdir('photos/bees'))[0];\n` +
        `const [top] = await model.classify(await fs.readFile('photos/bees/' + image), 1);\n` +
        `console.log(JSON.stringify({ result, top }));\n`,
    );
    const { stdout: api } = await run(process.execPath, ['use.mjs'], { cwd: consumer, timeout: 300_000 });
    const { result, top } = JSON.parse(api) as { result: { bottlenecksComputed: number; trained: boolean; exported: boolean }; top: { label: string; score: number } };
    assert.deepEqual([result.bottlenecksComputed, result.trained, result.exported], [0, false, false], 'same config as the CLI build: nothing to do');
    assert.ok(['ants', 'bees'].includes(top.label) && top.score > 0 && top.score <= 1);

    // The types: a TypeScript user's import type-checks against the package's declarations.
    await fs.writeFile(
      path.join(consumer, 'typed.ts'),
      `import { build, defineConfig, resolveConfig, type BuildResult } from 'retrain';\n` +
        `const result: Promise<BuildResult> = build(resolveConfig(defineConfig({ imageDir: 'photos' }), '.'));\n` +
        `export default result;\n`,
    );
    const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    await run(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', 'typed.ts'], { cwd: consumer, timeout: 300_000 });
    await fs.rm(work, { recursive: true, force: true });
  });
});
