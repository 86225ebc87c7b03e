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
    const images = await copySubset(20, 'train', path.join(work, 'images'));
    const bees = (await fs.readdir(path.join(images, 'bees'))).sort().slice(0, 2);
    for (const name of bees) await fs.rename(path.join(images, 'bees', name), path.join(images, 'ants', name));
    const flipped = bees.map((name) => path.join(images, 'ants', name));
    const args = ['watch', '--ui', '--image_dir', images, '--tfhub_module', MODEL_DIR, '--bottleneck_dir', path.join(work, 'cache'), '--output-dir', path.join(work, 'out')];
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
      assert.equal((await fetch(new URL('/move', base), { method: 'POST', body: JSON.stringify({ path: flipped[0], label: 'bees' }) })).status, 401);
      // Outside the image folders, by `..` or absolute: refused, nothing moved.
      const post = (kind: string, body: unknown) => fetch(new URL(`/${kind}?token=${token}`, base), { method: 'POST', body: JSON.stringify(body) });
      const outside = path.join(work, 'outside.jpg');
      await fs.copyFile(flipped[1]!, outside);
      assert.equal((await post('move', { path: path.join(images, 'ants', '..', '..', 'outside.jpg'), label: 'bees' })).status, 403);
      assert.equal((await post('remove', { path: outside })).status, 403);
      assert.equal((await post('move', { path: flipped[1], label: '../escape' })).status, 400);
      assert.ok(existsSync(outside) && existsSync(flipped[1]!));
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
      assert.equal(await figure.locator('select.label').inputValue(), 'bees', 'suggested label preselected');
      await figure.locator('button.move').click();
      const moved = path.join(images, 'bees', path.basename(file));
      await page.waitForFunction(() => document.getElementById('message')!.textContent!.startsWith('moved to '));
      assert.ok(existsSync(moved) && !existsSync(file), 'the move landed on disk');
      // The watcher rebuilds and the page shows the second build, without a reload.
      await page.waitForFunction(() => document.querySelectorAll('tr.build').length >= 2, undefined, { timeout: 240_000 });
      assert.match(await page.locator('#change').textContent() ?? '', new RegExp(path.basename(file).replace(/\./g, '\\.')));
      // Remove = move to the trash beside the data, never delete.
      const other = flipped.find((p) => p !== file)!;
      const removed = (await (await post('remove', { path: other })).json()) as { trashed: string };
      assert.equal(removed.trashed, path.join(work, 'images.retrain-trash', 'ants', path.basename(other)));
      assert.ok(existsSync(removed.trashed) && !existsSync(other));
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      child.kill('SIGINT');
      await new Promise((resolve) => child.on('exit', resolve));
      await fs.rm(work, { recursive: true, force: true });
    }
  });
});
