import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { groupFoldersByLabel, labelFromFolderName, LabelCollisionError } from '../src/scan/labels.js';
import { scanImageDirs, ScanError } from '../src/scan/scan-image-dirs.js';
import { tempDir } from './helpers/shared.js';

async function makeTree(spec: Record<string, string[]>): Promise<string> {
  const root = await tempDir();
  for (const [folder, files] of Object.entries(spec)) {
    await fs.mkdir(path.join(root, folder), { recursive: true });
    for (const file of files) await fs.writeFile(path.join(root, folder, file), 'x');
  }
  return root;
}

describe('labels and scan', () => {
  it('normalises folder names like the original', () => {
    assert.equal(labelFromFolderName('Sun Flowers'), 'sun flowers');
    assert.equal(labelFromFolderName('Golden_Retriever--2'), 'golden retriever 2');
    assert.equal(labelFromFolderName('Ümlaut'), ' mlaut');
  });

  it('refuses two folders that map to one label, naming both', () => {
    assert.throws(
      () => groupFoldersByLabel([{ name: 'Sun_Flowers', dir: '/a/Sun_Flowers' }, { name: 'sun flowers', dir: '/a/sun flowers' }]),
      (error: Error) => error instanceof LabelCollisionError && /Sun_Flowers.*sun flowers.*"sun flowers"/.test(error.message),
    );
  });

  it('merges same-named class folders of several roots', () => {
    const classes = groupFoldersByLabel([{ name: 'ants', dir: '/train/ants' }, { name: 'ants', dir: '/val/ants' }]);
    assert.equal(classes.length, 1);
    assert.equal(classes[0]!.folders.length, 2);
  });

  it('finds images of every supported extension in any case, ignores other files and nested folders', async () => {
    const root = await makeTree({
      a: ['1.jpg', '2.JPEG', '3.png', '4.WebP', '5.gif', 'notes.txt', '.hidden.jpg'],
      'a/nested': ['6.jpg'],
      b: ['x.jpg'],
    });
    const scan = await scanImageDirs([root]);
    assert.deepEqual(scan.labels, ['a', 'b']);
    assert.deepEqual(scan.images.filter((i) => i.label === 'a').map((i) => i.relPath), ['1.jpg', '2.JPEG', '3.png', '4.WebP', '5.gif']);
    assert.ok(scan.warnings.some((w) => /class "b" has only 1 images/.test(w)));
  });

  it('skips empty classes with a warning and needs two classes', async () => {
    const root = await makeTree({ a: ['1.jpg'], empty: [] });
    await assert.rejects(scanImageDirs([root]), (error: Error) => error instanceof ScanError && /found 1 class .* need at least 2/.test(error.message));
    await assert.rejects(scanImageDirs([path.join(root, 'missing')]), /cannot read image folder/);
  });
});
