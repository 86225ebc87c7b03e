/**
 * `retrain --help` (and -h, `help`, no arguments, `COMMAND --help`) prints help stored at build time without
 * loading yargs (src/cli/stored-help.ts). The stored texts cannot drift from the command line: each is compared
 * with what yargs renders today for the same arguments, and the bin's output with the CLI's through yargs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { cliCommands, renderHelp, storedHelpCommandLines } from '../src/cli/stored-help-writer.js';
import { storedHelp } from '../src/cli/stored-help.js';
import { REPO_ROOT } from './helpers/shared.js';

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'bin/retrain.js');
const STORED = path.join(REPO_ROOT, 'dist/src/cli/stored-help.json');

/** stdout of `retrain ARGS` as the user runs it (the bin, stored help when there is one). */
async function viaBin(args: string[]) {
  return (await run(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 })).stdout;
}

/** stdout of the CLI's main() for ARGS, which always goes through yargs. */
async function viaYargs(args: string[]) {
  const script = `const { main } = await import(${JSON.stringify(path.join(REPO_ROOT, 'dist/src/cli/main.js'))}); await main(JSON.parse(process.argv[1]));`;
  return (await run(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(args)], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 })).stdout;
}

describe('stored help', () => {
  it('stores every help command line of every command yargs declares', async () => {
    const stored = JSON.parse(await fs.readFile(STORED, 'utf8')) as Record<string, string>;
    const commands = cliCommands();
    assert.ok(commands.includes('build') && commands.includes('worker'), `commands: ${commands.join(', ')}`);
    assert.deepEqual(Object.keys(stored).sort(), storedHelpCommandLines(commands).map((args) => JSON.stringify(args)).sort());
  });

  it('each stored text is what yargs renders today for the same command line', async () => {
    const stored = JSON.parse(await fs.readFile(STORED, 'utf8')) as Record<string, string>;
    for (const [key, text] of Object.entries(stored)) {
      const args = JSON.parse(key) as string[];
      assert.equal(text, await renderHelp(args), `retrain ${args.join(' ')}: the stored help differs from what yargs renders`);
    }
  });

  it('the bin prints it, byte for byte what the CLI prints through yargs', async () => {
    for (const args of [[], ['-h'], ['help'], ['build', '--help'], ['cache', '-h']]) {
      const [fast, yargs] = await Promise.all([viaBin(args), viaYargs(args)]);
      assert.match(yargs, /^retrain /, `yargs printed help for ${args.join(' ')}`);
      assert.equal(fast, yargs, `retrain ${args.join(' ')}: the bin's help differs from yargs'`);
    }
  });

  it('anything else, and a terminal narrower than the stored texts, goes to yargs', () => {
    assert.equal(storedHelp(['build'], undefined), undefined);
    assert.equal(storedHelp(['build', '--steps', '5'], undefined), undefined);
    assert.equal(storedHelp(['--help', '--config', 'x.ts'], undefined), undefined);
    assert.equal(storedHelp(['--help'], 80), undefined);
  });

  it('a stored file older than the compiled CLI (tsc run again without npm run build) is not used', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'retrain-stored-help-'));
    try {
      const file = path.join(dir, 'stored-help.json');
      const cli = path.join(dir, 'main.js');
      await fs.writeFile(file, JSON.stringify({ '["--help"]': 'stored\n' }));
      await fs.writeFile(cli, '');
      const now = Date.now() / 1000;
      await fs.utimes(cli, now - 10, now - 10);
      assert.equal(storedHelp(['--help'], undefined, pathToFileURL(file), pathToFileURL(cli)), 'stored\n');
      await fs.utimes(cli, now + 10, now + 10);
      assert.equal(storedHelp(['--help'], undefined, pathToFileURL(file), pathToFileURL(cli)), undefined);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
