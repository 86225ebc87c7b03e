import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { REPO_ROOT, tempDir } from './helpers/shared.js';

const run = promisify(execFile);

describe('a lone "-" argument', () => {
  for (const [command, hint] of [
    ['cache', /^error: cache -: "-" \(standard input\) is not an argument of cache; name an action: stats, verify or gc$/],
    ['experiment', /^error: experiment -: "-" \(standard input\) is not an argument of experiment; name experiments of the config, or none to run them all$/],
  ] as const) {
    it(`retrain ${command} - is refused in one line naming the command, exit 2, nothing run`, async () => {
      const dir = await tempDir('retrain-lone-dash-');
      // A config with an experiment that would run (and fail on its missing images) if `-` were ignored.
      await fs.writeFile(path.join(dir, 'retrain.config.ts'), `export default ${JSON.stringify({ imageDir: 'images', cacheDir: 'cache', outputDir: 'out', experiments: { a: {} } })};\n`);
      const outcome = await run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), command, '-'], { cwd: dir }).then(
        () => assert.fail('should be refused'),
        (error: { code: number; stderr: string }) => error,
      );
      assert.equal(outcome.code, 2, outcome.stderr);
      assert.match(outcome.stderr.split('\n')[0]!, hint);
      assert.deepEqual(await fs.readdir(dir), ['retrain.config.ts'], 'nothing written');
    });
  }
});
