import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { plural } from '../../src/util/plural.js';
import { REPO_ROOT } from '../helpers/shared.js';

describe('plural (the one helper for "a count and its noun")', () => {
  it('puts the noun in the right number, -es after s, x, ch and sh, or the form given', () => {
    assert.equal(plural(1, 'image'), '1 image');
    assert.equal(plural(0, 'image'), '0 images');
    assert.equal(plural(2, 'class'), '2 classes');
    assert.equal(plural(1, 'class folder'), '1 class folder');
    assert.equal(plural(3, 'batch'), '3 batches');
    assert.equal(plural(2, 'entry', 'entries'), '2 entries');
  });

  // Before: src/util/list-some.ts had its own (`${noun}s`: "2 classs" unless told) and stage-status.ts a private one.
  it('is defined once in src', async () => {
    const src = path.join(REPO_ROOT, 'src');
    const defining: string[] = [];
    for (const name of await fs.readdir(src, { recursive: true })) {
      if (!name.endsWith('.ts')) continue;
      if (/function plural\b|const plural\b/.test(await fs.readFile(path.join(src, name), 'utf8'))) defining.push(name);
    }
    assert.deepEqual(defining, [path.join('util', 'plural.ts')]);
  });
});
