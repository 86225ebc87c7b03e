import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readConfig } from '../src/config/read-config.js';
import { REPO_ROOT } from './helpers/shared.js';

/** `inner` is `outer` or a folder inside it. */
function within(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

// Before the fix the examples wrote into `retrain-output/flowers`, `retrain-output/darknet` and
// `retrain-output/experiments-example-experiments`, inside the main job's output folder: after a user ran an
// example as the README says, `npx retrain build` refused with "output folder … holds a retrain model and also
// files retrain did not write", and an example run first made the main job refuse the same way.
describe('the README jobs write to folders of their own', () => {
  it('no config in the repository writes its model (or its experiments) inside another one\'s output folder', async () => {
    const files = [
      path.join(REPO_ROOT, 'retrain.config.ts'),
      ...(await fs.readdir(path.join(REPO_ROOT, 'examples')))
        .filter((name) => name.endsWith('.config.ts'))
        .map((name) => path.join(REPO_ROOT, 'examples', name)),
    ];
    assert.ok(files.length >= 4, `found ${files.length} config files`);
    const outputs = await Promise.all(
      files.map(async (file) => {
        const { config } = await readConfig({ config: file }, REPO_ROOT);
        return { file: path.relative(REPO_ROOT, file), dirs: [config.outputDir, `${config.outputDir}-experiments`] };
      }),
    );
    for (const a of outputs) {
      for (const b of outputs) {
        if (a === b) continue;
        for (const dir of a.dirs) {
          assert.ok(!within(dir, b.dirs[0]!), `${a.file} writes ${dir}, inside ${b.file}'s output folder ${b.dirs[0]}`);
        }
      }
    }
  });
});
