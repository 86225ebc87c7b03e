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

// Before the fix: `--config notes.txt` said `cannot load config (TypeError: Unknown file extension ".txt" for …) at
// /modules/esm/get_format:189:9` (a place inside Node, not in the file).
describe('--config naming a file that is not a config', () => {
  it('says which file endings a config has, in one line', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'notes.txt'), 'my notes\n');
    assert.throws(() => findConfigFile('notes.txt', dir), {
      message: `${path.join(dir, 'notes.txt')}: not a config file (it must end in .ts, .mts, .cts, .js, .mjs, .cjs, .json); name a config file (retrain.config.ts)`,
    });
    await fs.writeFile(path.join(dir, 'my.config.MJS'), 'export default {};\n');
    assert.equal(findConfigFile('my.config.MJS', dir), path.join(dir, 'my.config.MJS'));
  });
});
