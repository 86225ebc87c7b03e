import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { findConfigFile } from '../src/config/load-config.js';
import { tempDir } from './helpers/shared.js';

// Before the fix `--config DIR` said `cannot load config (Cannot find module '/…/DIR')`.
describe('--config naming a folder', () => {
  it('says it is a folder, and points at the config inside it', async () => {
    const dir = await tempDir();
    assert.throws(() => findConfigFile('.', dir), /is a folder, not a config file; name a config file/);
    await fs.writeFile(path.join(dir, 'retrain.config.ts'), 'export default {};\n');
    assert.throws(() => findConfigFile(dir, '/'), new RegExp(`did you mean --config ${path.join(dir, 'retrain.config.ts')}`));
  });
});
