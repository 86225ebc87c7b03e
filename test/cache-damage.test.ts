import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { RetrainCache } from '../src/store/retrain-cache.js';
import { copySubset, HAS_SHARED, MODEL_DIR, REPO_ROOT, SHARED, tempDir } from './helpers/shared.js';

const BIN = path.join(REPO_ROOT, 'bin/retrain.js');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `retrain <args>` in `cwd`, through bin/retrain.js; how it ended, never thrown. */
function retrain(cwd: string, ...args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

const lastJson = (run: Run) => JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;

describe('a damaged, foreign or missing cache file: one line, never a crash', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  let dir: string;
  let file: string;
  let good: Buffer;

  before(async () => {
    dir = await tempDir('retrain-cache-damage-');
    await copySubset(4, 'train', path.join(dir, 'images'));
    const config = { imageDir: 'images', model: MODEL_DIR, train: { steps: 20 }, cacheDir: 'cache', outputDir: 'out' };
    await fs.writeFile(path.join(dir, 'retrain.config.ts'), `export default ${JSON.stringify(config)};\n`);
    const first = await retrain(dir, 'build', '--json');
    assert.equal(first.code, 0, first.stderr);
    file = path.join(dir, 'cache', 'cache.lmdb');
    good = await fs.readFile(file);
  });

  const damaged = () => [
    ...[good.length - 4096, Math.floor(good.length / 2), 8192, 5000, 4096, 100].map((n) => [`truncated to ${n} bytes`, good.subarray(0, n)] as const),
    ['random bytes', randomBytes(good.length)] as const,
    ['4 KB of zeros', Buffer.alloc(4096)] as const,
    ['a foreign file', Buffer.from(JSON.stringify({ name: 'not a cache' }).repeat(300))] as const,
  ];

  it('stats, verify and gc refuse it in one line naming the file and the fix, and leave it untouched', async () => {
    // Every kind of damage through `cache stats`; two of them through verify and gc as well.
    for (const [i, [what, bytes]] of damaged().entries()) {
      for (const command of [['cache', 'stats'], ...(i === 0 || i === 6 ? [['cache', 'verify'], ['cache', 'gc']] : [])]) {
        await fs.writeFile(file, bytes);
        const run = await retrain(dir, ...command);
        assert.equal(run.signal, null, `${what}, ${command.join(' ')}: killed by ${run.signal}`);
        assert.equal(run.code, 1, `${what}, ${command.join(' ')}: ${run.stderr}`);
        const lines = run.stderr.trim().split('\n');
        assert.equal(lines.length, 1, `${what}, ${command.join(' ')}: one line, got ${run.stderr}`);
        assert.match(lines[0]!, new RegExp(`^error: the cache file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged \\(.+\\): run "retrain cache verify --repair --cache-dir .+"`));
        assert.deepEqual(await fs.readFile(file), Buffer.from(bytes), 'the damaged file is left as it was');
      }
    }
  });

  it('a build moves the damaged file aside (kept, not deleted), warns once and recomputes everything', async () => {
    for (const [what, bytes] of [damaged()[1]!, damaged()[6]!]) {
      for (const name of await fs.readdir(path.dirname(file))) if (name.includes('.damaged-')) await fs.rm(path.join(path.dirname(file), name));
      await fs.writeFile(file, bytes);
      const run = await retrain(dir, 'build', '--json');
      assert.equal(run.signal, null, `${what}: killed by ${run.signal}`);
      assert.equal(run.code, 0, `${what}: ${run.stderr}`);
      const warnings = run.stderr.split('\n').filter((line) => line.includes('damaged'));
      assert.equal(warnings.length, 1, run.stderr);
      assert.match(warnings[0]!, /^warning: the cache file .+cache\.lmdb was damaged \(.+\): moved it to cache\.lmdb\.damaged-.+ and started an empty cache/);
      assert.equal(lastJson(run).bottlenecksComputed, 8, what);
      const aside = (await fs.readdir(path.dirname(file))).filter((name) => name.startsWith('cache.lmdb.damaged-') && !name.endsWith('-lock'));
      assert.equal(aside.length, 1);
      assert.deepEqual(await fs.readFile(path.join(path.dirname(file), aside[0]!)), Buffer.from(bytes), `${what}: the damaged file is kept byte for byte`);
    }
  });

  it('cache verify --repair moves it aside and starts an empty cache', async () => {
    const bytes = randomBytes(good.length);
    await fs.writeFile(file, bytes);
    const run = await retrain(dir, 'cache', 'verify', '--repair');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^the cache file .+ was damaged \(not an LMDB file \(no LMDB magic number\)\): moved it to cache\.lmdb\.damaged-\S+ and started an empty cache$/m);
    const stats = await retrain(dir, 'cache', 'stats', '--json');
    assert.equal(stats.code, 0, stats.stderr);
    assert.deepEqual((lastJson(stats).entries as Record<string, number>), { bottlenecks: 0, failures: 0, files: 0, heads: 0 });
    const kept = await Promise.all((await fs.readdir(path.dirname(file))).filter((n) => n.startsWith('cache.lmdb.damaged-') && !n.endsWith('-lock')).map((n) => fs.readFile(path.join(path.dirname(file), n))));
    assert.ok(kept.some((copy) => copy.equals(bytes)), 'the damaged file is kept');
  });

  it('damage inside B-tree pages (256 random bytes over a page LMDB reads): verify names it, --repair moves it aside, build moves it aside; never a crash', async () => {
    // The page at 8192 (the red team's case) is not always in the current tree; the main database's root page
    // of the newer meta page always is (meta: page size at 48, main root at 136, txnid at 152).
    const pageSize = good.readUInt32LE(48);
    const newer = good.readBigUInt64LE(pageSize + 152) > good.readBigUInt64LE(152) ? pageSize : 0;
    const offsets = [8192, Number(good.readBigUInt64LE(newer + 136)) * pageSize];
    const scramble = (round: number) => {
      const copy = Buffer.from(good);
      // Seeded bytes, so every run damages the file the same way (random bytes made this test flaky).
      createHash('sha512').update(`round ${round}`).digest().copy(copy, offsets[round % 2]!);
      createHash('sha512').update(`round ${round} b`).digest().copy(copy, offsets[round % 2]! + 64);
      createHash('sha512').update(`round ${round} c`).digest().copy(copy, offsets[round % 2]! + 128);
      createHash('sha512').update(`round ${round} d`).digest().copy(copy, offsets[round % 2]! + 192);
      return copy;
    };
    const aside = async () => (await fs.readdir(path.dirname(file))).filter((n) => n.startsWith('cache.lmdb.damaged-') && !n.endsWith('-lock'));
    for (let round = 0; round < 4; round++) {
      for (const name of await aside()) await fs.rm(path.join(path.dirname(file), name));
      const bytes = scramble(round);
      await fs.writeFile(file, bytes);
      if (round % 2 === 0) {
        // The page at 8192 may be a free page LMDB never reads: then the file is sound for both.
        const verify = await retrain(dir, 'cache', 'verify');
        assert.equal(verify.signal, null, `verify: killed by ${verify.signal}`);
        // Or it is a leaf whose damage stays inside values: the checksums find that (verify lists the entries),
        // and the file itself is sound to LMDB. Either way nothing may crash.
        // A third case: the page is one that only a read of its values reaches (an overflow page, or a leaf the
        // page walk finds well formed): verify, which reads every value, names the file as damaged, while stats and
        // gc, which read no value there, work. Which case page 8192 is depends on the order the workers stored the
        // vectors in. Whatever it is, nothing may crash, and a build recovers.
        const stats = await retrain(dir, 'cache', 'stats');
        assert.equal(stats.signal, null, `stats: killed by ${stats.signal}`);
        if (verify.code === 0 || !/the cache file .+ is damaged/.test(verify.stderr) || stats.code === 0) {
          const build = await retrain(dir, 'build', '--json');
          assert.equal(build.signal, null, `build on a file LMDB can read: killed by ${build.signal}`);
          // It recomputes what fails its checksum; damage LMDB itself reports mid-read ends it with one line.
          if (build.code !== 0) assert.match(build.stderr.trim(), /^error: the cache file .+ is damaged \(.+\): run "retrain cache verify --repair[^\n]*$/);
          continue;
        }
      }
      for (const command of [['cache', 'verify'], ['cache', 'stats'], ['cache', 'gc']]) {
        const run = await retrain(dir, ...command);
        assert.equal(run.signal, null, `${command.join(' ')}: killed by ${run.signal}`);
        assert.equal(run.code, 1, `${command.join(' ')}: ${run.stderr}`);
        assert.equal(run.stderr.trim().split('\n').length, 1, `${command.join(' ')}: one line, got ${run.stderr}`);
        assert.match(run.stderr, /^error: the cache file .+ is damaged \(.+\): run "retrain cache verify --repair/);
      }
      const repair = await retrain(dir, 'cache', 'verify', '--repair');
      assert.equal(repair.signal, null, `verify --repair: killed by ${repair.signal}`);
      assert.equal(repair.code, 0, repair.stderr);
      assert.match(repair.stdout, /was damaged \(.+\): moved it to cache\.lmdb\.damaged-\S+ and started an empty cache$/m);
      assert.deepEqual(await fs.readFile(path.join(path.dirname(file), (await aside())[0]!)), bytes, 'the damaged file is kept byte for byte');

      for (const name of await aside()) await fs.rm(path.join(path.dirname(file), name));
      await fs.writeFile(file, bytes);
      const build = await retrain(dir, 'build', '--json');
      assert.equal(build.signal, null, `build: killed by ${build.signal}`);
      assert.equal(build.code, 0, build.stderr);
      assert.equal(build.stderr.split('\n').filter((line) => line.includes('damaged')).length, 1, build.stderr);
      assert.equal(lastJson(build).bottlenecksComputed, 8);
      assert.equal((await aside()).length, 1);
    }
  });

  it('a zero-byte cache file is an empty cache', async () => {
    await fs.writeFile(file, '');
    const run = await retrain(dir, 'cache', 'stats', '--json');
    assert.equal(run.code, 0, run.stderr);
    assert.equal((lastJson(run).entries as Record<string, number>).bottlenecks, 0);
  });

  it('cache stats and verify need no config or image folder, and never create a cache', async () => {
    await fs.writeFile(file, good);
    const elsewhere = await tempDir('retrain-no-config-');
    const stats = await retrain(elsewhere, 'cache', 'stats', '--cache-dir', path.dirname(file), '--json');
    assert.equal(stats.code, 0, stats.stderr);
    assert.equal((lastJson(stats).entries as Record<string, number>).bottlenecks, 8);
    const verify = await retrain(elsewhere, 'cache', 'verify', '--cache-dir', path.dirname(file), '--json');
    assert.equal(verify.code, 0, verify.stderr);
    assert.equal(lastJson(verify).checked, 8 + 8 + 1);
    const mistyped = path.join(elsewhere, 'cahce');
    for (const action of ['stats', 'verify']) {
      const run = await retrain(elsewhere, 'cache', action, '--cache-dir', mistyped);
      assert.equal(run.code, 1);
      assert.equal(run.stderr, `error: no cache in ${mistyped} (${path.join(mistyped, 'cache.lmdb')} does not exist): check --cache-dir (cacheDir)\n`);
      assert.equal(existsSync(mistyped), false, 'reading created nothing');
    }
  });

  it('a lock file LMDB cannot open (a folder, a FIFO, a dangling link): one line naming it, never a crash', async () => {
    // Found in a trial: lmdb-js crashed the process (SIGSEGV, exit 139, no message) for each of these.
    await fs.writeFile(file, good);
    const lock = `${file}-lock`;
    const kinds: Array<[string, () => void | Promise<void>, RegExp]> = [
      ['a folder', () => fs.mkdir(lock), /is a folder/],
      ['a FIFO', () => void spawnSync('mkfifo', [lock]), /is a FIFO/],
      ['a dangling link', () => fs.symlink(path.join(dir, 'nowhere', 'lock'), lock), /is a symbolic link to nothing/],
    ];
    for (const [kind, make, said] of kinds) {
      await fs.rm(lock, { recursive: true, force: true });
      await make();
      for (const command of [['cache', 'stats'], ['cache', 'verify'], ['build']]) {
        const run = await retrain(dir, ...command);
        assert.equal(run.signal, null, `${kind}, ${command.join(' ')}: crashed (${run.signal})`);
        assert.equal(run.code, 1, `${kind}, ${command.join(' ')}: ${run.stderr}`);
        const last = run.stderr.trim().split('\n').at(-1)!;
        assert.ok(last.startsWith(`error: the cache's lock file ${lock} `), `${kind}, ${command.join(' ')}: ${run.stderr}`);
        assert.match(last, said);
        assert.equal(run.stderr.split('\n').filter((line) => line.startsWith('error:')).length, 1, run.stderr);
      }
    }
    await fs.rm(lock, { recursive: true, force: true });
    assert.deepEqual(await fs.readFile(file), good, 'the data file is left as it was');
    const again = await retrain(dir, 'cache', 'stats');
    assert.equal(again.code, 0, again.stderr);
  });

  it('a cache path that is a file: one line naming it', async () => {
    // Outside the image folder: a cache folder inside it is refused before this check (test/output-guard).
    const notAFolder = path.join(dir, 'notes.txt');
    await fs.writeFile(notAFolder, 'a file of the user\'s');
    // The ONNX model's graph facts go to <cacheDir>/onnx before the cache is opened: that said `ENOTDIR: … mkdir`.
    const onnxModel = path.join(SHARED, 'models/mobilenet_v2_100_224_int8/model.onnx');
    for (const command of [['build'], ['build', '--model', onnxModel], ['audit', '--model', onnxModel], ['cache', 'stats']]) {
      const run = await retrain(dir, ...command, '--cache-dir', notAFolder);
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stderr, `error: the cache folder ${notAFolder} is a file, not a folder: point --cache-dir (cacheDir) at a folder\n`);
    }
    assert.equal(await fs.readFile(notAFolder, 'utf8'), 'a file of the user\'s', 'the file is left as it was');
  });

  it('a cache on a read-only file system: one line naming it', { skip: spawnSync('unshare', ['-rm', 'true']).status !== 0 && 'needs unshare (user + mount namespaces)' }, async () => {
    // A private mount namespace: a tmpfs holding a copy of the cache, remounted read-only; gone with the process.
    const mount = await tempDir('retrain-rofs-');
    const script = [
      `mount -t tmpfs tmpfs "${mount}"`,
      `cp -a "${path.dirname(file)}" "${mount}/cache"`,
      `mount -o remount,ro "${mount}"`,
      `"${process.execPath}" "${BIN}" cache stats --cache-dir "${mount}/cache"; echo "exit $?" >&2`,
      `"${process.execPath}" "${BIN}" build --cache-dir "${mount}/cache"; echo "exit $?" >&2`,
    ].join(' && ');
    await fs.writeFile(file, good);
    const run = spawnSync('unshare', ['-rm', 'sh', '-c', script], { cwd: dir, encoding: 'utf8' });
    const expected = `error: cannot open the cache in ${mount}/cache: the file system is read-only; point --cache-dir (cacheDir) at a writable folder`;
    assert.equal(run.stderr, `${expected}\nexit 1\n${expected}\nexit 1\n`);
  });

  it('a cache folder still to be made on a read-only file system: one line saying so, not ENOENT, and no engine fallback', { skip: spawnSync('unshare', ['-rm', 'true']).status !== 0 && 'needs unshare (user + mount namespaces)' }, async () => {
    // Found in a trial: Node's recursive mkdir says ENOENT there, so the line was "ENOENT: no such file or directory,
    // mkdir", after "backend: wasm (the model does not run on onnxruntime: ENOENT …)".
    const mount = await tempDir('retrain-rofs-new-');
    const onnxModel = path.join(SHARED, 'models/mobilenet_v2_100_224_int8/model.onnx');
    const script = [
      `mount -t tmpfs tmpfs "${mount}"`,
      `mount -o remount,ro "${mount}"`,
      `"${process.execPath}" "${BIN}" build --cache-dir "${mount}/cache"; echo "exit $?" >&2`,
      `"${process.execPath}" "${BIN}" build --model "${onnxModel}" --cache-dir "${mount}/a/b"; echo "exit $?" >&2`,
    ].join(' && ');
    await fs.writeFile(file, good);
    const run = spawnSync('unshare', ['-rm', 'sh', '-c', script], { cwd: dir, encoding: 'utf8' });
    const expected = (folder: string) => `error: cannot open the cache in ${mount}/${folder}: the file system is read-only; point --cache-dir (cacheDir) at a writable folder`;
    assert.equal(run.stderr, `${expected('cache')}\nexit 1\n${expected('a/b')}\nexit 1\n`);
  });
});

describe('RetrainCache: every value is checked on read', () => {
  it('a value damaged in the file is a miss, counted once; old-format tables are not read', async () => {
    const dir = await tempDir('retrain-sealed-');
    const cache = RetrainCache.open(dir);
    const vector = Float32Array.from({ length: 1280 }, (_, i) => Math.sin(i));
    await cache.putBottleneck('m:p:abc', vector);
    await cache.putFileRecord('/x.jpg', { size: 12, mtimeMs: 1.5, ino: 7, sha256: 'ab'.repeat(32) });
    await cache.flushed();
    assert.deepEqual(cache.getBottleneck('m:p:abc'), vector);
    assert.deepEqual(cache.getFileRecord('/x.jpg'), { size: 12, mtimeMs: 1.5, ino: 7, sha256: 'ab'.repeat(32) });
    await cache.close();
    // Overwrite 256 bytes in the middle of the vector, in the file itself, with other finite floats.
    const file = path.join(dir, 'cache.lmdb');
    const bytes = await fs.readFile(file);
    const at = bytes.indexOf(Buffer.from(vector.buffer, 0, 64));
    assert.ok(at > 0);
    bytes.set(Buffer.from(new Float32Array(64).fill(1).buffer), at + 2048);
    await fs.writeFile(file, bytes);
    const reopened = RetrainCache.open(dir);
    assert.equal(reopened.hasBottleneck('m:p:abc'), false);
    assert.equal(reopened.getBottleneck('m:p:abc'), undefined);
    assert.equal(reopened.takeDamaged(), 1, 'one damaged value, however often it is read');
    assert.equal(reopened.takeDamaged(), 0);
    await reopened.close();
  });
});
