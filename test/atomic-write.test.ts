import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { makeTempDirBeside, recoverDir, replaceDir, writeFileAtomic } from '../src/util/atomic-write.js';
import { holdsOnlyExportFiles } from '../src/export/output-guard.js';
import { tempDir } from './helpers/shared.js';

// Before the fix: each piece went to one FileHandle.write, which may write less than it was given (a full disk, a
// file size limit) without an error; the rest was dropped and the cut-short file renamed into place (the stage
// record, 168 MB at 1,000,000 images, became invalid JSON). A real process under `ulimit -f` (1 KB blocks) makes
// the short write; fs.writeFile (writeFileAtomic) fails there with EFBIG.
const PIECES_UNDER_A_SIZE_LIMIT = `
  const fs = await import('node:fs');
  const { writeFileAtomicChunks } = await import(process.argv[1]);
  const file = process.argv[2];
  const piece = 'x'.repeat(1 << 20);
  const outcome = await writeFileAtomicChunks(file, [piece, piece, piece]).then(() => 'written', (error) => error.code);
  console.log(JSON.stringify({ outcome, size: fs.statSync(file, { throwIfNoEntry: false })?.size ?? null, left: fs.readdirSync(process.argv[3]) }));
`;

const anything = async () => undefined;

async function folderWith(dir: string, content: string) {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'model.json'), content);
}

describe('atomic writes', () => {
  it('writeFileAtomicChunks fails, leaving nothing, when a piece cannot be written whole', { skip: process.platform === 'win32' }, async () => {
    const root = await tempDir();
    const module = new URL('../src/util/atomic-write.js', import.meta.url).pathname;
    const script = `ulimit -f 2560 && exec "$0" --input-type=module -e "$1" "$2" "$3" "$4"`;
    const { stdout } = await promisify(execFile)('bash', ['-c', script, process.execPath, PIECES_UNDER_A_SIZE_LIMIT, module, path.join(root, 'record.json'), root]);
    assert.deepEqual(JSON.parse(stdout), { outcome: 'EFBIG', size: null, left: [] });
  });

  it('replaceDir swaps a finished folder in and leaves nothing beside it', async () => {
    const root = await tempDir();
    const target = path.join(root, 'out');
    await folderWith(target, 'old');
    const ready = await makeTempDirBeside(target);
    await fs.writeFile(path.join(ready, 'model.json'), 'new');
    await replaceDir(ready, target, anything);
    assert.equal(await fs.readFile(path.join(target, 'model.json'), 'utf8'), 'new');
    assert.deepEqual(await fs.readdir(root), ['out']);
  });

  it('a failed swap keeps the previous folder', async () => {
    const root = await tempDir();
    const target = path.join(root, 'out');
    await folderWith(target, 'old');
    await assert.rejects(replaceDir(path.join(root, 'missing'), target, anything));
    assert.equal(await fs.readFile(path.join(target, 'model.json'), 'utf8'), 'old');
  });

  it('recoverDir undoes a swap killed between its renames and removes temp folders of dead processes only', async () => {
    const root = await tempDir();
    const target = path.join(root, 'out');
    await folderWith(`${target}.previous-999999998`, 'old'); // a dead process, killed after moving the old folder aside
    await fs.mkdir(path.join(root, '.out.tmp-999999999-abc')); // a dead process's half-written export
    const mine = await makeTempDirBeside(target); // a live one (this process)
    await recoverDir(target, holdsOnlyExportFiles);
    assert.equal(await fs.readFile(path.join(target, 'model.json'), 'utf8'), 'old');
    assert.deepEqual((await fs.readdir(root)).sort(), [path.basename(mine), 'out'].sort());
  });

  it('recoverDir removes only what retrain wrote: leftovers holding other files, or named otherwise, stay', async () => {
    const root = await tempDir();
    const target = path.join(root, 'out');
    await folderWith(target, 'current');
    const userFiles = [
      '.out.tmp-999999999-abc/thesis.docx', // a dead pid's name, but a file no export writes
      'out.previous-999999998/notes.txt', // the same for a set-aside folder
      '.out.tmp-notapid/model.json', // not a name retrain gives
      'out.previous-999999997-copy/model.json',
      'out.previous-999999996/model.json', // ours: a set-aside model left by a dead process
    ];
    for (const file of userFiles) {
      await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await fs.writeFile(path.join(root, file), 'x');
    }
    await recoverDir(target, holdsOnlyExportFiles);
    const left = (await fs.readdir(root)).sort();
    assert.deepEqual(left, ['.out.tmp-999999999-abc', '.out.tmp-notapid', 'out', 'out.previous-999999997-copy', 'out.previous-999999998'].sort());
    assert.equal(await fs.readFile(path.join(target, 'model.json'), 'utf8'), 'current');
  });

  it('replaceDir refuses, leaving the target as it was, when the target is not replaceable any more', async () => {
    const root = await tempDir();
    const target = path.join(root, 'out');
    await folderWith(target, 'old');
    const ready = await makeTempDirBeside(target);
    const refuse = async () => {
      throw new Error('not ours');
    };
    await assert.rejects(replaceDir(ready, target, refuse), /not ours/);
    assert.equal(await fs.readFile(path.join(target, 'model.json'), 'utf8'), 'old');
  });

  it('makeTempDirBeside makes a folder with the normal umask, not mkdtemp\'s 0700', async () => {
    const root = await tempDir();
    const reference = path.join(root, 'reference');
    await fs.mkdir(reference);
    const temp = await makeTempDirBeside(path.join(root, 'out'));
    assert.equal((await fs.stat(temp)).mode & 0o777, (await fs.stat(reference)).mode & 0o777);
    assert.notEqual((await fs.stat(temp)).mode & 0o777, 0o700);
  });

  it('writeFileAtomic replaces a file whole', async () => {
    const file = path.join(await tempDir(), 'deep', 'labels.txt');
    await writeFileAtomic(file, 'a\n');
    await writeFileAtomic(file, 'b\n');
    assert.equal(await fs.readFile(file, 'utf8'), 'b\n');
    assert.deepEqual(await fs.readdir(path.dirname(file)), ['labels.txt']);
  });
});
