import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { modelsDirs } from '../../src/config/models-dirs.js';
import { resolveConfig } from '../../src/config/resolved-config.js';
import { resolveModel } from '../../src/engine/model/resolve-model.js';
import { validateConfig } from '../../src/config/schema.js';
import type { RetrainConfig } from '../../src/config/define-config.js';
import { tempDir } from '../helpers/shared.js';

/** A project folder beside a `shared/models` folder holding one registry model's main file (a placeholder: only its presence is looked at). */
async function layout(): Promise<{ root: string; project: string; shared: string }> {
  const root = await tempDir('retrain-models-dirs-');
  const project = path.join(root, 'project');
  const shared = path.join(root, 'shared/models');
  await fs.mkdir(path.join(shared, 'mobilenet_v2_035_224'), { recursive: true });
  await fs.writeFile(path.join(shared, 'mobilenet_v2_035_224/model.json'), '{}');
  await fs.mkdir(project, { recursive: true });
  return { root, project, shared };
}

describe('where registry names are looked up', () => {
  it("finds a registry model in ../shared/models beside the project (the config's folder), not beside the installed package", async () => {
    const { project, shared } = await layout();
    const config = resolveConfig({ imageDir: 'photos', model: 'mobilenet_v2_035_224' }, project);
    assert.ok(config.modelsDirs.includes(shared), `${config.modelsDirs.join(', ')} should include ${shared}`);
    assert.ok(config.modelsDirs.every((d) => !d.includes('node_modules')));
    const model = await resolveModel(config.model, config.modelOptions, config.cacheDir, config.modelsDirs);
    assert.equal(model.modelJson, path.join(shared, 'mobilenet_v2_035_224/model.json'));
  });

  it('modelsDir in the config (relative to it) is searched first', async () => {
    const { root, project } = await layout();
    const mine = path.join(root, 'mine');
    await fs.mkdir(path.join(mine, 'mobilenet_v2_035_224'), { recursive: true });
    await fs.writeFile(path.join(mine, 'mobilenet_v2_035_224/model.json'), '{}');
    const config = resolveConfig({ imageDir: 'photos', model: 'mobilenet_v2_035_224', modelsDir: '../mine' }, project);
    assert.equal(config.modelsDirs[0], mine);
    const model = await resolveModel(config.model, {}, config.cacheDir, config.modelsDirs);
    assert.equal(model.modelJson, path.join(mine, 'mobilenet_v2_035_224/model.json'));
  });

  it('a registry model found nowhere: one line listing every path looked at and how to name another folder', async () => {
    const { root } = await layout();
    const lonely = path.join(root, 'a/b/c');
    await fs.mkdir(lonely, { recursive: true });
    // The project and the working folder both here (the test's own working folder may have ../shared).
    const dirs = modelsDirs([], lonely, lonely);
    await assert.rejects(resolveModel('darknet_tiny_224', {}, path.join(lonely, '.retrain-cache'), dirs), (error: Error) => {
      assert.doesNotMatch(error.message, /\n/);
      assert.match(error.message, /model "darknet_tiny_224": not found \(looked for /);
      for (const dir of dirs) assert.ok(error.message.includes(path.join(dir, 'darknet_tiny_224/model.json')), error.message);
      assert.match(error.message, /--models-dir/);
      assert.doesNotMatch(error.message, /node_modules/);
      return true;
    });
  });
});

// Before the fix: `imageDir: invalid input (got 5)`, zod's word for a value that fits no branch of a union.
describe('a folder field of the wrong type', () => {
  it('says what it must be', () => {
    for (const field of ['imageDir', 'modelsDir']) {
      const config = { imageDir: 'photos', [field]: 5 } as unknown as RetrainConfig;
      assert.throws(() => validateConfig(config, 'retrain.config.ts'), { message: `retrain.config.ts: invalid config: ${field}: must be a folder name or a list of folder names (got 5)` });
    }
  });
});
