import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { loadConfigFile } from '../src/config/load-config.js';
import { readCacheDir } from '../src/config/read-cache-dir.js';
import { REPO_ROOT, tempDir } from './helpers/shared.js';

const run = promisify(execFile);

/** The message a config file's load is refused with (it must be refused). */
async function refusal(file: string): Promise<string> {
  const error = await loadConfigFile(file).then(
    () => assert.fail(`${file} loaded`),
    (e: Error) => e,
  );
  assert.doesNotMatch(error.message, /\n/);
  return error.message;
}

// Before the fix: `…/retrain.config.ts: cannot load config (ParseError: Unexpected token  )`, with no line or column;
// later, a syntax error's column counted from 0 (5:21 for the 22nd character).
describe('a config file that cannot be loaded', () => {
  it('a syntax error names the file, line and column in one line', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'retrain.config.ts');
    await fs.writeFile(file, "import { defineConfig } from 'retrain';\n\nexport default defineConfig({\n  imageDir: 'photos',\n  train: { steps: 10,, },\n});\n");
    assert.equal(await refusal(file), `${file}:5:22: syntax error: Unexpected token`);
    const missingComma = path.join(dir, 'other.config.mjs');
    await fs.writeFile(missingComma, "export default {\n  imageDir: 'photos'\n  seed: 1,\n};\n");
    assert.equal(await refusal(missingComma), `${missingComma}:3:3: syntax error: Unexpected token, expected ","`);
    // Columns count from 1, as V8's, editors' and the runtime errors' below (before the fix: from 0, one short).
    const oneLine = path.join(dir, 'one-line.config.ts');
    const text = "export default { imageDir: 'photos', train: { steps: 5 } ;\n";
    await fs.writeFile(oneLine, text);
    assert.equal(await refusal(oneLine), `${oneLine}:1:${text.indexOf(';') + 1}: syntax error: Unexpected token, expected ","`);
  });

  it('an error thrown while it runs names the place too, and a file it imports is named', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'retrain.config.ts');
    await fs.writeFile(file, "export default {\n  imageDir: 'photos',\n  seed: notDefined,\n};\n");
    assert.equal(await refusal(file), `${file}:3:9: cannot load config (ReferenceError: notDefined is not defined)`);
    const importing = path.join(dir, 'importing.config.ts');
    await fs.writeFile(importing, "import dir from './helper.ts';\nexport default { imageDir: dir };\n");
    await fs.writeFile(path.join(dir, 'helper.ts'), "export default 'photos'\nconst = 3;\n");
    assert.equal(await refusal(importing), `${importing}: syntax error: Unexpected token at ${path.join(dir, 'helper.ts')}:2:7`);
  });

  it('a default export of null is said as such, not as a TypeError inside retrain', async () => {
    // Found in a trial: `cannot load config (TypeError: Cannot read properties of null (reading 'then')) at …/load-config.js:42:18`.
    const dir = await tempDir();
    for (const value of ['null']) {
      const file = path.join(dir, `${value}.config.ts`);
      await fs.writeFile(file, `export default ${value};\n`);
      assert.equal(await refusal(file), `${file}: the default export must be a config object (export default defineConfig({...}))`);
    }
  });

  // Found in a trial: `get train() { throw new Error('boom') }` was read while merging, after the load, and
  // `retrain build` said only `error: boom`.
  it('a getter that throws names the file, the place and the property', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'retrain.config.ts');
    await fs.writeFile(file, "export default {\n  imageDir: 'photos',\n  get train() { throw new Error('boom'); },\n};\n");
    assert.equal(await refusal(file), `${file}:3:22: cannot load config (train: boom)`);
    // The column is where jiti's transpiled line puts the error (near the `throw`): only the line is checked.
    const nested = path.join(dir, 'nested.config.ts');
    await fs.writeFile(nested, "export default {\n  imageDir: 'photos',\n  train: { get steps() { throw new TypeError('no steps'); } },\n};\n");
    assert.match(await refusal(nested), new RegExp(`^${nested.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: cannot load config \\(TypeError: train\\.steps: no steps\\)$`));
    const thrownString = path.join(dir, 'string.config.ts');
    await fs.writeFile(thrownString, "export default {\n  imageDir: 'photos',\n  get seed() { throw 'boom'; },\n};\n");
    assert.equal(await refusal(thrownString), `${thrownString}: cannot load config (seed: boom)`);
    const failure = await run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), 'build'], { cwd: dir }).then(
      () => assert.fail('build succeeded'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(failure.code, 1);
    assert.equal(failure.stderr, `error: ${file}:3:22: cannot load config (train: boom)\n`);
  });

  // Found with the case above: `retrain cache stats` said `The "paths[1]" argument must be of type string. Received type number (5)`.
  it('retrain cache reads a cacheDir that is not a folder name as an error naming the file', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'retrain.config.ts');
    await fs.writeFile(file, "export default { imageDir: 'photos', cacheDir: 5 };\n");
    await assert.rejects(readCacheDir({}, dir), { message: `${file}: invalid config: cacheDir: must be a folder name` });
    await fs.writeFile(file, "export default { imageDir: 'photos', cacheDir: 'here' };\n");
    assert.equal(await readCacheDir({}, dir), path.join(dir, 'here'));
  });

  it('retrain build prints that one line, exit 1', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'retrain.config.ts');
    await fs.writeFile(file, "export default {\n  imageDir: 'photos'\n  seed: 1,\n};\n");
    const failure = await run(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), 'build'], { cwd: dir }).then(
      () => assert.fail('build succeeded'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(failure.code, 1);
    assert.equal(failure.stderr, `error: ${file}:3:3: syntax error: Unexpected token, expected ","\n`);
  });
});
