import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { scanImageDirs } from '../src/images/scan-image-dirs.js';
import { tempDir } from './helpers/shared.js';

// An image root that is missing or a file: one line saying what and what to do, not "(ENOENT)"/"(ENOTDIR)".
describe('an image root that cannot be read', () => {
  it('missing: says it does not exist and names the flag', async () => {
    const root = path.join(await tempDir(), 'missing');
    await assert.rejects(scanImageDirs([root]), (error: Error) => {
      assert.match(error.message, /does not exist; check --image-dir/);
      assert.doesNotMatch(error.message, /ENOENT/);
      return true;
    });
  });

  it('a regular file: says it is a file, not a folder', async () => {
    const file = path.join(await tempDir(), 'photo.jpg');
    await fs.writeFile(file, 'x');
    await assert.rejects(scanImageDirs([file]), (error: Error) => {
      assert.match(error.message, /is a file, not a folder/);
      assert.doesNotMatch(error.message, /ENOTDIR/);
      return true;
    });
  });
});
