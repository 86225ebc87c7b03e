import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CurationError, moveImage, trashImage } from '../src/watch-ui/curation-actions.js';
import { tempDir } from './helpers/shared.js';

async function folder() {
  const root = await tempDir('retrain-curation-');
  const images = path.join(root, 'images');
  await fs.mkdir(path.join(images, 'a'), { recursive: true });
  await fs.mkdir(path.join(images, 'b'), { recursive: true });
  await fs.writeFile(path.join(images, 'a', 'x.jpg'), 'x in a');
  await fs.writeFile(path.join(images, 'b', 'x.jpg'), 'x in b');
  await fs.writeFile(path.join(root, 'secret.jpg'), 'outside');
  return { root, images };
}

const refused = (status: number) => (error: unknown) => error instanceof CurationError && error.status === status;

describe('curation actions of the --ui page', () => {
  it('moves within the image folders, never over an existing file', async () => {
    const { root, images } = await folder();
    await assert.rejects(moveImage([images], path.join(images, 'a', 'x.jpg'), 'b'), refused(409));
    assert.equal(await fs.readFile(path.join(images, 'b', 'x.jpg'), 'utf8'), 'x in b');
    assert.equal(await moveImage([images], path.join(images, 'a', 'x.jpg'), 'c'), path.join(images, 'c', 'x.jpg'));
    assert.equal(await fs.readFile(path.join(images, 'c', 'x.jpg'), 'utf8'), 'x in a');
    await fs.rm(root, { recursive: true });
  });

  it('refuses paths outside the image folders: .., absolute, links out, nested, bad class names', async () => {
    const { root, images } = await folder();
    await fs.symlink(path.join(root, 'secret.jpg'), path.join(images, 'a', 'link.jpg'));
    await assert.rejects(moveImage([images], path.join(images, 'a', '..', '..', 'secret.jpg'), 'b'), refused(403));
    await assert.rejects(trashImage([images], path.join(root, 'secret.jpg')), refused(403));
    await assert.rejects(trashImage([images], path.join(images, 'a', 'link.jpg')), refused(403));
    await assert.rejects(trashImage([images], path.join(images, 'a')), refused(403));
    await assert.rejects(moveImage([images], path.join(images, 'a', 'x.jpg'), '../out'), refused(400));
    await assert.rejects(moveImage([images], path.join(images, 'a', 'x.jpg'), '..'), refused(400));
    await assert.rejects(trashImage([images], path.join(images, 'a', 'missing.jpg')), refused(404));
    assert.equal(await fs.readFile(path.join(root, 'secret.jpg'), 'utf8'), 'outside');
    await fs.rm(root, { recursive: true });
  });

  it('remove moves to a trash folder beside the data, numbering names already there', async () => {
    const { root, images } = await folder();
    const first = await trashImage([images], path.join(images, 'a', 'x.jpg'));
    assert.equal(first, path.join(root, 'images.retrain-trash', 'a', 'x.jpg'));
    await fs.writeFile(path.join(images, 'a', 'x.jpg'), 'second x');
    const second = await trashImage([images], path.join(images, 'a', 'x.jpg'));
    assert.equal(second, path.join(root, 'images.retrain-trash', 'a', 'x.1.jpg'));
    assert.equal(await fs.readFile(first, 'utf8'), 'x in a');
    assert.ok(!existsSync(path.join(images, 'a', 'x.jpg')));
    await fs.rm(root, { recursive: true });
  });
});
