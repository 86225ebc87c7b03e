import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { copySubset, MODEL_DIR, needsShared, REPO_ROOT, tempDir } from './helpers/shared.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('retrain watch --ui', () => {
  it('serves a live page: flagged images shown, a move from the page lands on disk, the next build arrives; token and paths checked', { skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}` }, async (t) => {
    if (!needsShared(t)) return;
    const work = await tempDir('retrain-watch-ui-');
    // Two image roots; the bees' folder has a Unicode name (label "abeilles été"); two bees are mislabelled as
    // ants, nested in a sub-folder of ants (they count for ants).
    const images = await copySubset(20, 'train', path.join(work, 'images'));
    const more = await copySubset(4, 'val', path.join(work, 'more'));
    for (const root of [images, more]) await fs.rename(path.join(root, 'bees'), path.join(root, 'Abeilles_été'));
    const bees = (await fs.readdir(path.join(images, 'Abeilles_été'))).sort().slice(0, 2);
    await fs.mkdir(path.join(images, 'ants', 'day 2'));
    for (const name of bees) await fs.rename(path.join(images, 'Abeilles_été', name), path.join(images, 'ants', 'day 2', name));
    const flipped = bees.map((name) => path.join(images, 'ants', 'day 2', name));
    const config = path.join(work, 'retrain.config.mjs');
    await fs.writeFile(config, `export default ${JSON.stringify({ imageDir: [images, more], model: MODEL_DIR, cacheDir: path.join(work, 'cache'), outputDir: path.join(work, 'out') })};\n`);
    const args = ['watch', '--ui', '--config', config];
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
    let stderr = '';
    child.stdout.resume();
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /curation page: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(stderr);
        if (match) resolve(match[1]!);
      });
      child.on('exit', (code) => reject(new Error(`watch exited ${code}: ${stderr}`)));
    });
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
    try {
      const base = new URL(url);
      const token = base.searchParams.get('token')!;
      // Without the token, or with a wrong one: refused.
      assert.equal((await fetch(new URL('/', base))).status, 401);
      assert.equal((await fetch(new URL('/?token=0000', base))).status, 401);
      const wrong = token.slice(0, -1) + (token.endsWith('0') ? '1' : '0');
      assert.equal((await fetch(new URL(`/events?token=${wrong}`, base))).status, 401);
      assert.equal((await fetch(new URL('/', base), { headers: { 'x-retrain-token': token } })).status, 200);
      assert.equal((await fetch(new URL('/move', base), { method: 'POST', body: JSON.stringify({ path: flipped[0], label: 'abeilles été' }) })).status, 401);
      // Outside the image folders, by `..` or absolute: refused, nothing moved.
      const post = (kind: string, body: unknown) => fetch(new URL(`/${kind}?token=${token}`, base), { method: 'POST', body: JSON.stringify(body) });
      const outside = path.join(work, 'outside.jpg');
      await fs.copyFile(flipped[1]!, outside);
      assert.equal((await post('move', { path: `${images}/ants/../../outside.jpg`, label: 'abeilles été' })).status, 403);
      await fs.symlink(outside, path.join(images, 'ants', 'day 2', 'link-out.jpg'));
      assert.equal((await post('remove', { path: path.join(images, 'ants', 'day 2', 'link-out.jpg') })).status, 403);
      assert.equal((await post('remove', { path: outside })).status, 403);
      assert.equal((await post('move', { path: flipped[1], label: '../escape' })).status, 400);
      assert.ok(existsSync(outside) && existsSync(flipped[1]!));
      await fs.rm(path.join(images, 'ants', 'day 2', 'link-out.jpg'));
      assert.equal((await fetch(new URL(`/thumbnail?token=${token}&path=${encodeURIComponent('/etc/passwd')}`, base))).status, 403);

      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(url);
      await page.waitForSelector('tr.build', { timeout: 240_000 });
      // The audit after the first build flags a flipped bee, with its thumbnail.
      const flagged = await page.waitForFunction(
        (paths) => [...document.querySelectorAll('#label-issues figure')].map((f) => f.getAttribute('data-path')).find((p) => paths.includes(p!)),
        flipped,
        { timeout: 240_000 },
      );
      const file = (await flagged.jsonValue()) as string;
      const figure = page.locator(`#label-issues figure[data-path="${file}"]`);
      await page.waitForFunction((p) => (document.querySelector(`#label-issues figure[data-path="${p}"] img`) as HTMLImageElement | null)?.naturalWidth === 160, file);
      assert.equal(await figure.locator('select.label').inputValue(), 'abeilles été', 'suggested label preselected');
      // Per-class metrics and the test set's confusion matrix of the build.
      assert.equal(await page.locator('tr.class-metrics').count(), 2);
      const matrix = await page.locator('#confusion td').allTextContents();
      assert.equal(matrix.length, 4);
      await figure.locator('button.move').click();
      // The nested image lands directly in the class folder of its label (not in a new folder "abeilles été").
      const moved = path.join(images, 'Abeilles_été', path.basename(file));
      await page.waitForFunction(() => document.getElementById('message')!.textContent!.startsWith('moved to '));
      assert.ok(existsSync(moved) && !existsSync(file), 'the move landed on disk');
      // The watcher rebuilds and the page shows the second build, without a reload.
      await page.waitForFunction(() => document.querySelectorAll('tr.build').length >= 2, undefined, { timeout: 240_000 });
      await page.waitForFunction(() => document.getElementById('change')!.textContent!.includes('removed 1'));
      const change = (await page.locator('#change').textContent()) ?? '';
      assert.match(change, new RegExp(`added 1: ${moved.replace(/[.\\/]/g, '\\$&')}`));
      assert.match(change, /test accuracy [\d.]+% → [\d.]+%/);
      assert.match(change, /images per class: abeilles été 22 → 23, ants 26 → 25/);
      assert.equal(await page.locator('tr.build').count(), 2);
      // Remove = move to the trash beside the data, never delete.
      const other = flipped.find((p) => p !== file)!;
      const removed = (await (await post('remove', { path: other })).json()) as { trashed: string };
      assert.equal(removed.trashed, path.join(work, 'images.retrain-trash', 'ants', 'day 2', path.basename(other)));
      assert.ok(existsSync(removed.trashed) && !existsSync(other));
      // The second root: its images are shown and removed into its own trash.
      const inMore = path.join(more, 'ants', (await fs.readdir(path.join(more, 'ants'))).sort()[0]!);
      assert.equal((await fetch(new URL(`/thumbnail?token=${token}&path=${encodeURIComponent(inMore)}`, base))).status, 200);
      const fromMore = (await (await post('remove', { path: inMore })).json()) as { trashed: string };
      assert.equal(fromMore.trashed, path.join(work, 'more.retrain-trash', 'ants', path.basename(inMore)));
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      child.kill('SIGINT');
      await new Promise((resolve) => child.on('exit', resolve));
      await fs.rm(work, { recursive: true, force: true });
    }
  });
});
