import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { REPO_ROOT } from './helpers/shared.js';

const run = promisify(execFile);
const BENCH = path.join(REPO_ROOT, 'build/bench/run.js');

describe('npm run bench -- --only', () => {
  it('refuses an unknown section in one line naming the valid ones, before measuring or writing anything', async () => {
    const before = await fs.readFile(path.join(REPO_ROOT, 'BENCHMARKS.md'));
    for (const args of [['--only', 'startup,nope'], ['--only='], ['--fast']]) {
      const refused = await run(process.execPath, [BENCH, ...args]).then(
        () => assert.fail(`${args.join(' ')} must be refused`),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
      assert.equal(refused.code, 2, args.join(' '));
      assert.equal(refused.stdout, '');
      assert.match(refused.stderr, /^bench: .*(valid: |\()builds, watch, scale, startup, accuracy, audit, remote\)?\n$/, refused.stderr);
    }
    assert.deepEqual(await fs.readFile(path.join(REPO_ROOT, 'BENCHMARKS.md')), before);
  });
});
