import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CurationError, moveImage, trashImage } from '../src/app/watch-ui/curation-actions.js';
import { tempDir } from './helpers/shared.js';

async function folder() {
  const root = await tempDir('retrain-curation-');
  const images = path.join(root, 'images');
  await fs.mkdir(path.join(images, 'a'), { recursive: true });
  await fs.mkdir(path.join(images, 'b'), { recursive: true });
  await fs.writeFile(path.join(images, 'a', 'x.jpg'), 'x in a');
  await fs.writeFile(path.join(images, 'b', 'x.jpg'), 'x in b');
  await fs.writeFile(path.join(root, 'secret.jpg'), 'outside');
  return { root, images, scope: { imageDirs: [images] } };
}

const refused = (status: number, message?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof CurationError, `expected a CurationError, got ${String(error)}`);
  assert.equal(error.status, status, error.message);
  if (message) assert.match(error.message, message);
  return true;
};
const read = (file: string) => fs.readFile(file, 'utf8');

describe('curation actions of the --ui page', () => {
  it('moves within the image folders into a new class folder', async () => {
    const { root, images, scope } = await folder();
    assert.equal(await moveImage(scope, path.join(images, 'a', 'x.jpg'), 'c'), path.join(images, 'c', 'x.jpg'));
    assert.equal(await read(path.join(images, 'c', 'x.jpg')), 'x in a');
    await fs.rm(root, { recursive: true });
  });

  it('a move onto a name already there never overwrites: a different image gets the next free name, the same image is refused', async () => {
    const { root, images, scope } = await folder();
    await fs.writeFile(path.join(images, 'b', 'x.1.jpg'), 'x.1 in b');
    const moved = await moveImage(scope, path.join(images, 'a', 'x.jpg'), 'b');
    assert.equal(moved, path.join(images, 'b', 'x.2.jpg'));
    assert.equal(await read(moved), 'x in a');
    assert.equal(await read(path.join(images, 'b', 'x.jpg')), 'x in b');
    assert.equal(await read(path.join(images, 'b', 'x.1.jpg')), 'x.1 in b');
    await fs.writeFile(path.join(images, 'a', 'y.jpg'), 'x in b');
    await fs.copyFile(path.join(images, 'b', 'x.jpg'), path.join(images, 'b', 'y.jpg'));
    await assert.rejects(moveImage(scope, path.join(images, 'a', 'y.jpg'), 'b'), refused(409, /already holds the same image; remove this copy/));
    assert.ok(existsSync(path.join(images, 'a', 'y.jpg')));
    await fs.rm(root, { recursive: true });
  });

  it('nested images (which count for their top-level class) can be moved and removed', async () => {
    const { root, images, scope } = await folder();
    await fs.mkdir(path.join(images, 'a', 'day 1', 'am'), { recursive: true });
    await fs.writeFile(path.join(images, 'a', 'day 1', 'am', 'n.jpg'), 'nested');
    await fs.writeFile(path.join(images, 'a', 'day 1', 'm.jpg'), 'nested m');
    assert.equal(await moveImage(scope, path.join(images, 'a', 'day 1', 'am', 'n.jpg'), 'b'), path.join(images, 'b', 'n.jpg'));
    assert.equal(await read(path.join(images, 'b', 'n.jpg')), 'nested');
    assert.equal(await trashImage(scope, path.join(images, 'a', 'day 1', 'm.jpg')), path.join(root, 'images.retrain-trash', 'a', 'day 1', 'm.jpg'));
    // Moving a nested image to its own class takes it to the class folder; a direct one is already there.
    await fs.writeFile(path.join(images, 'a', 'day 1', 'k.jpg'), 'k');
    assert.equal(await moveImage(scope, path.join(images, 'a', 'day 1', 'k.jpg'), 'a'), path.join(images, 'a', 'k.jpg'));
    await assert.rejects(moveImage(scope, path.join(images, 'a', 'k.jpg'), 'a'), refused(409, /already in class/));
    await fs.rm(root, { recursive: true });
  });

  it('refuses paths outside the image folders: .., absolute, links out, folders, other files, bad class names', async () => {
    const { root, images, scope } = await folder();
    await fs.symlink(path.join(root, 'secret.jpg'), path.join(images, 'a', 'link.jpg'));
    await fs.mkdir(path.join(root, 'elsewhere'));
    await fs.writeFile(path.join(root, 'elsewhere', 'e.jpg'), 'elsewhere');
    await fs.symlink(path.join(root, 'elsewhere'), path.join(images, 'a', 'linked-folder'));
    await fs.writeFile(path.join(images, 'a', 'notes.txt'), 'notes');
    await fs.writeFile(path.join(images, 'loose.jpg'), 'in no class');
    await assert.rejects(moveImage(scope, path.join(images, 'a', '..', '..', 'secret.jpg'), 'b'), refused(403));
    await assert.rejects(moveImage(scope, `${images}/a/../../secret.jpg`, 'b'), refused(403));
    await assert.rejects(trashImage(scope, path.join(root, 'secret.jpg')), refused(403));
    await assert.rejects(trashImage(scope, path.join(images, 'a', 'link.jpg')), refused(403));
    await assert.rejects(moveImage(scope, path.join(images, 'a', 'linked-folder', 'e.jpg'), 'b'), refused(403));
    await assert.rejects(trashImage(scope, path.join(images, 'a')), refused(403));
    await assert.rejects(trashImage(scope, path.join(images, 'a', 'notes.txt')), refused(403));
    await assert.rejects(trashImage(scope, path.join(images, 'loose.jpg')), refused(403));
    await assert.rejects(moveImage(scope, path.join(images, 'a', 'x.jpg'), '../out'), refused(400));
    await assert.rejects(moveImage(scope, path.join(images, 'a', 'x.jpg'), '..'), refused(400));
    await assert.rejects(moveImage(scope, path.join(images, 'a', 'x.jpg'), '_'), refused(400));
    // A class folder that links out: the scan reads it, the page does not write into it.
    await fs.symlink(path.join(root, 'elsewhere'), path.join(images, 'Linked'));
    await assert.rejects(moveImage(scope, path.join(images, 'a', 'x.jpg'), 'linked'), refused(403, /links out of the image folders/));
    assert.deepEqual(await fs.readdir(path.join(root, 'elsewhere')), ['e.jpg']);
    assert.equal(await read(path.join(root, 'secret.jpg')), 'outside');
    assert.equal(await read(path.join(root, 'elsewhere', 'e.jpg')), 'elsewhere');
    assert.ok(existsSync(path.join(images, 'a', 'notes.txt')) && existsSync(path.join(images, 'loose.jpg')));
    // A file where the class folder would be made: a 409 naming it, nothing moved.
    await fs.writeFile(path.join(images, 'd'), 'a file named like a class');
    await assert.rejects(moveImage(scope, path.join(images, 'a', 'x.jpg'), 'd'), refused(409, /images\/d: cannot make the class folder: a file is in the way; rename it/));
    assert.ok(existsSync(path.join(images, 'a', 'x.jpg')));
    await fs.rm(root, { recursive: true });
  });

  it('a link to an image inside the folders moves as a link (its target stays where it is)', async () => {
    const { root, images, scope } = await folder();
    await fs.mkdir(path.join(images, 'a', 'sub'));
    await fs.symlink('../../b/x.jpg', path.join(images, 'a', 'sub', 'alias.jpg'));
    const moved = await moveImage(scope, path.join(images, 'a', 'sub', 'alias.jpg'), 'c');
    assert.equal(moved, path.join(images, 'c', 'alias.jpg'));
    assert.ok((await fs.lstat(moved)).isSymbolicLink());
    assert.equal(await read(moved), 'x in b');
    assert.equal(await read(path.join(images, 'b', 'x.jpg')), 'x in b');
    await fs.rm(root, { recursive: true });
  });

  it('a file deleted before the click is a clear 404', async () => {
    const { root, images, scope } = await folder();
    await fs.rm(path.join(images, 'a', 'x.jpg'));
    await assert.rejects(moveImage(scope, path.join(images, 'a', 'x.jpg'), 'b'), refused(404, /no such file \(moved or deleted since the page showed it/));
    await assert.rejects(trashImage(scope, path.join(images, 'a', 'x.jpg')), refused(404));
    await fs.rm(path.join(images, 'a'), { recursive: true });
    await assert.rejects(trashImage(scope, path.join(images, 'a', 'x.jpg')), refused(404));
    await fs.rm(root, { recursive: true });
  });

  it('a double click (two requests at once for one file) moves it once: one succeeds, the other is a 404', async () => {
    const { root, images, scope } = await folder();
    const file = path.join(images, 'a', 'x.jpg');
    const removes = await Promise.allSettled([trashImage(scope, file), trashImage(scope, file)]);
    assert.deepEqual(removes.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    assert.ok(refused(404)((removes.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason));
    assert.deepEqual(await fs.readdir(path.join(root, 'images.retrain-trash', 'a')), ['x.jpg']);
    const other = path.join(images, 'b', 'x.jpg');
    const moves = await Promise.allSettled([moveImage(scope, other, 'c'), moveImage(scope, other, 'c')]);
    assert.deepEqual(moves.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    assert.deepEqual(await fs.readdir(path.join(images, 'c')), ['x.jpg']);
    await fs.rm(root, { recursive: true });
  });

  it('class names from the page are labels: a Unicode class folder is found, not doubled', async () => {
    const { root, images, scope } = await folder();
    await fs.mkdir(path.join(images, 'Abeille_été'));
    await fs.mkdir(path.join(images, '蚂蚁'));
    assert.equal(await moveImage(scope, path.join(images, 'a', 'x.jpg'), 'abeille été'), path.join(images, 'Abeille_été', 'x.jpg'));
    assert.equal(await moveImage(scope, path.join(images, 'Abeille_été', 'x.jpg'), '蚂蚁'), path.join(images, '蚂蚁', 'x.jpg'));
    assert.equal(await trashImage(scope, path.join(images, '蚂蚁', 'x.jpg')), path.join(root, 'images.retrain-trash', '蚂蚁', 'x.jpg'));
    // A folder name in NFD (as macOS writes it) is found from the page's NFC label.
    const nfd = 'Fourmi_été'.normalize('NFD');
    await fs.mkdir(path.join(images, nfd));
    await fs.writeFile(path.join(images, 'b', 'f.jpg'), 'f');
    assert.equal(await moveImage(scope, path.join(images, 'b', 'f.jpg'), 'fourmi été'), path.join(images, nfd, 'f.jpg'));
    assert.deepEqual((await fs.readdir(images)).sort(), ['Abeille_été', 'a', 'b', '蚂蚁', nfd].sort());
    await fs.rm(root, { recursive: true });
  });

  it('two image roots: a move stays in its root, under the folder name the class has elsewhere; a root inside another belongs to it', async () => {
    const { root, images } = await folder();
    const second = path.join(root, 'more');
    await fs.mkdir(path.join(second, 'a'), { recursive: true });
    await fs.mkdir(path.join(images, 'Sun_Flowers'));
    await fs.writeFile(path.join(second, 'a', 'y.jpg'), 'y');
    const scope = { imageDirs: [images, second] };
    assert.equal(await moveImage(scope, path.join(second, 'a', 'y.jpg'), 'sun flowers'), path.join(second, 'Sun_Flowers', 'y.jpg'));
    assert.equal(await trashImage(scope, path.join(second, 'Sun_Flowers', 'y.jpg')), path.join(root, 'more.retrain-trash', 'Sun_Flowers', 'y.jpg'));
    // images/a named as a root too: the scan reads it as part of images (class a), so must the page.
    await fs.mkdir(path.join(images, 'a', 'sub'));
    await fs.writeFile(path.join(images, 'a', 'sub', 'z.jpg'), 'z');
    const nested = { imageDirs: [path.join(images, 'a'), images] };
    assert.equal(await moveImage(nested, path.join(images, 'a', 'sub', 'z.jpg'), 'b'), path.join(images, 'b', 'z.jpg'));
    // Its trash is beside the outer root, not a new class folder inside it.
    await fs.writeFile(path.join(images, 'a', 'sub', 'w.jpg'), 'w');
    assert.equal(await trashImage(nested, path.join(images, 'a', 'sub', 'w.jpg')), path.join(root, 'images.retrain-trash', 'a', 'sub', 'w.jpg'));
    assert.deepEqual((await fs.readdir(images)).sort(), ['Sun_Flowers', 'a', 'b']);
    await fs.rm(root, { recursive: true });
  });

  it('remove moves to a trash folder beside the data, numbering names already there; a file in the way is a clear 409', async () => {
    const { root, images, scope } = await folder();
    const first = await trashImage(scope, path.join(images, 'a', 'x.jpg'));
    assert.equal(first, path.join(root, 'images.retrain-trash', 'a', 'x.jpg'));
    await fs.writeFile(path.join(root, 'images.retrain-trash', 'a', 'x.1.jpg'), 'put there by the user');
    await fs.writeFile(path.join(images, 'a', 'x.jpg'), 'second x');
    const second = await trashImage(scope, path.join(images, 'a', 'x.jpg'));
    assert.equal(second, path.join(root, 'images.retrain-trash', 'a', 'x.2.jpg'));
    assert.equal(await read(first), 'x in a');
    assert.equal(await read(path.join(root, 'images.retrain-trash', 'a', 'x.1.jpg')), 'put there by the user');
    assert.ok(!existsSync(path.join(images, 'a', 'x.jpg')));
    await fs.writeFile(path.join(root, 'images.retrain-trash', 'b'), 'a file named like the trash folder of b');
    await assert.rejects(trashImage(scope, path.join(images, 'b', 'x.jpg')), refused(409, /images\.retrain-trash\/b: cannot make the trash folder: a file is in the way/));
    assert.ok(existsSync(path.join(images, 'b', 'x.jpg')));
    await fs.rm(root, { recursive: true });
  });
});
