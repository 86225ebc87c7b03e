import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { groupFoldersByLabel, LabelCollisionError } from '../src/images/labels.js';
import { scanImageDirs } from '../src/images/scan-image-dirs.js';
import { tempDir } from './helpers/shared.js';

// `été` spelt NFC and NFD are two different folders on Linux. In one image folder they are two classes the
// user made; before the fix they were merged silently into one label (while `Ants` + `ants` was refused).
describe('class folders whose names differ only by Unicode normalisation', () => {
  const nfc = 'été'.normalize('NFC');
  const nfd = 'été'.normalize('NFD');

  it('in one image folder: refused, naming both and why', () => {
    assert.throws(
      () => groupFoldersByLabel([{ name: nfc, dir: `/a/${nfc}` }, { name: nfd, dir: `/a/${nfd}` }]),
      (error: Error) => error instanceof LabelCollisionError && /NFC and NFD/.test(error.message),
    );
  });

  it('in two image folders: still one class (merged as any same-named folders of several roots)', () => {
    const { classes } = groupFoldersByLabel([{ name: nfc, dir: `/train/${nfc}` }, { name: nfd, dir: `/val/${nfd}` }]);
    assert.equal(classes.length, 1);
  });

  it('on disk: the scan refuses them', async () => {
    const root = await tempDir();
    for (const name of [nfc, nfd, 'ants']) {
      await fs.mkdir(path.join(root, name));
      await fs.writeFile(path.join(root, name, '1.jpg'), 'x');
    }
    await assert.rejects(() => scanImageDirs([root]), LabelCollisionError);
  });
});
