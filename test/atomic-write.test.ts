import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDirBeside, recoverDir, replaceDir, writeFileAtomic } from '../src/util/atomic-write.js';
import { tempDir } from './helpers/shared.js';

async function folderWith(dir: string, content: string) {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'model.json'), content);
}

describe('atomic writes', () => {
  it('replaceDir swaps a finished folder in and leaves nothing beside it', async () => {
    const root = await tempDir();
    const target = path.join(root, 'out');
    await folderWith(target, 'old');
    const ready = await makeTempDirBeside(target);
    await fs.writeFile(path.join(ready, 'model.json'), 'new');
    await replaceDir(ready, target);
    assert.equal(await fs.readFile(path.join(target, 'model.json'), 'utf8'), 'new');
    assert.deepEqual(await fs.readdir(root), ['out']);
  });

  it('a failed swap keeps the previous folder', async () => {
    const root = await tempDir();
    const target = path.join(root, 'out');
    await folderWith(target, 'old');
    await assert.rejects(replaceDir(path.join(root, 'missing'), target));
    assert.equal(await fs.readFile(path.join(target, 'model.json'), 'utf8'), 'old');
  });

  it('recoverDir undoes a swap killed between its renames and removes temp folders of dead processes only', async () => {
    const root = await tempDir();
    const target = path.join(root, 'out');
    await folderWith(`${target}.previous-999999998`, 'old'); // a dead process, killed after moving the old folder aside
    await fs.mkdir(path.join(root, '.out.tmp-999999999-abc')); // a dead process's half-written export
    const mine = await makeTempDirBeside(target); // a live one (this process)
    await recoverDir(target);
    assert.equal(await fs.readFile(path.join(target, 'model.json'), 'utf8'), 'old');
    assert.deepEqual((await fs.readdir(root)).sort(), [path.basename(mine), 'out'].sort());
  });

  it('writeFileAtomic replaces a file whole', async () => {
    const file = path.join(await tempDir(), 'deep', 'labels.txt');
    await writeFileAtomic(file, 'a\n');
    await writeFileAtomic(file, 'b\n');
    assert.equal(await fs.readFile(file, 'utf8'), 'b\n');
    assert.deepEqual(await fs.readdir(path.dirname(file)), ['labels.txt']);
  });
});
