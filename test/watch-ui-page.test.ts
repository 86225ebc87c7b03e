import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { AuditReport } from '../src/core/audit/audit.js';
import { startUiServer } from '../src/app/watch-ui/ui-server.js';
import { MAX_INPUT_PIXELS } from '../src/images/decode-image.js';
import { pngClaiming } from './helpers/png.js';
import { copySubset, needsShared, tempDir } from './helpers/shared.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The first event of /events: the state the page gets on connecting. */
async function firstEvent(url: URL): Promise<string> {
  const response = await fetch(new URL(`/events?${url.searchParams}`, url));
  const reader = response.body!.getReader();
  let text = '';
  const decoder = new TextDecoder();
  while (!text.includes('\n\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text.slice(0, text.indexOf('\n\n'));
}

describe('the --ui page on a large data set, and what a user can do wrong', () => {
  it('sends a bounded page for 100,000 flagged images (more on request), shows per-class metrics, the confusion matrix and the last rebuild; refusals are said on the page', { skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}` }, async (t) => {
    if (!needsShared(t)) return;
    const work = await tempDir('retrain-ui-page-');
    const images = await copySubset(3, 'train', path.join(work, 'images'));
    await fs.rename(path.join(images, 'bees'), path.join(images, 'Abeilles_été'));
    const ants = (await fs.readdir(path.join(images, 'ants'))).sort().map((name) => path.join(images, 'ants', name));
    // A file name with HTML, quotes, # and % in it (all allowed on disk): shown as text, its thumbnail found.
    const weird = path.join(images, 'ants', '<img src=x onerror="window.pwned=1"> #50%.jpg');
    await fs.copyFile(ants[0]!, weird);
    const ui = await startUiServer({ scope: () => ({ imageDirs: [images] }) });
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
    try {
      // A huge data set's audit: 100,000 label issues (the first three real photos), as many outliers.
      const n = 100_000;
      const fake = (i: number) => path.join(images, 'ants', `generated-${i}.jpg`);
      const audit: AuditReport = {
        labelIssues: Array.from({ length: n }, (_, i) => ({ path: i === 3 ? weird : (ants[i] ?? fake(i)), label: 'ants', suggested: 'abeilles été', score: 1 - i / n })),
        duplicates: Array.from({ length: n / 2 }, (_, i) => ({ paths: [fake(2 * i), fake(2 * i + 1)], kind: 'near' as const, labels: ['ants', 'ants'], splits: ['training', 'testing'], similarity: 0.99, crossClass: false, crossSplit: true })),
        outliers: Array.from({ length: n }, (_, i) => ({ path: fake(i), label: 'ants', score: 2 })),
        confusedPairs: [{ classes: ['abeilles été', 'ants'], count: 7, rate: 0.1 }],
        crossValidatedAccuracy: 0.9,
        images: n,
      };
      const classes = ['abeilles été', 'ants'];
      ui.update({
        classes,
        builds: [
          { at: '2026-01-01T10:00:00.000Z', testAccuracy: 0.8, validationAccuracy: 0.75, images: n, computed: n, trained: true, durationMs: 1000 },
          { at: '2026-01-01T10:01:00.000Z', testAccuracy: 0.85, validationAccuracy: 0.8, images: n, computed: 3, trained: true, durationMs: 500 },
        ],
        lastBuild: { classes, classCounts: { 'abeilles été': 40_000, ants: 60_000 }, confusion: [[30, 10], [5, 55]], testCount: 100 },
        rebuild: {
          files: { added: Array.from({ length: 5000 }, (_, i) => fake(i)), changed: [], removed: [ants[0]!] },
          folders: [],
          config: false,
          testAccuracy: { before: 0.8, after: 0.85 },
          classes: [{ label: 'ants', before: 60_001, after: 60_000 }],
          computed: 3,
          trained: true,
        },
        audit,
      });
      const url = new URL(ui.url);
      const event = await firstEvent(url);
      assert.ok(event.length < 100_000, `one state message is ${event.length} bytes`);

      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      const thumbnails: string[] = [];
      page.on('request', (request) => request.url().includes('/thumbnail') && thumbnails.push(request.url()));
      await page.goto(ui.url);
      await page.waitForSelector('#label-issues figure');
      assert.equal(await page.locator('#label-issues figure').count(), 40);
      assert.equal(await page.locator('#labelIssues-count').textContent(), 'showing 40 of 100000');
      assert.equal(await page.locator('#outliers-count').textContent(), 'showing 40 of 100000');
      assert.equal(await page.locator('#duplicates-count').textContent(), 'showing 20 of 50000');
      await page.locator('#labelIssues-more').click();
      await page.waitForFunction(() => document.querySelectorAll('#label-issues figure').length === 80);
      assert.equal(await page.locator('#labelIssues-count').textContent(), 'showing 80 of 100000');
      assert.ok(thumbnails.length <= 80 + 40 + 40, `${thumbnails.length} thumbnails requested`);
      // Per-class metrics and the confusion matrix; what changed; builds over time.
      const metrics = await page.locator('tr.class-metrics').allTextContents();
      assert.deepEqual(metrics, ['abeilles été4000040' + '85.7%75.0%', 'ants6000060' + '84.6%91.7%']);
      assert.deepEqual(await page.locator('#confusion td').allTextContents(), ['30', '10', '5', '55']);
      const change = (await page.locator('#change').textContent())!;
      assert.match(change, /test accuracy 80\.0% → 85\.0%/);
      assert.match(change, /added 5000: .*generated-19\.jpg, …/);
      assert.doesNotMatch(change, /generated-20\.jpg/);
      assert.match(change, /images per class: ants 60001 → 60000/);
      assert.equal(await page.locator('tr.build').count(), 2);
      assert.notEqual(await page.locator('#test-line').getAttribute('points'), '');

      const shownWeird = await page.evaluate(() => {
        const figure = document.querySelectorAll('#label-issues figure')[3]!;
        return { text: figure.querySelector('small')!.textContent, width: (figure.querySelector('img') as HTMLImageElement).naturalWidth, pwned: 'pwned' in window };
      });
      assert.deepEqual(shownWeird, { text: weird, width: shownWeird.width, pwned: false });
      await page.waitForFunction(() => (document.querySelectorAll('#label-issues figure img')[3] as HTMLImageElement).naturalWidth === 160);
      await page.locator('#label-issues figure').nth(3).locator('button.remove').click();
      await page.waitForFunction(() => document.getElementById('message')!.textContent!.startsWith('moved to the trash: '));
      assert.ok(existsSync(path.join(work, 'images.retrain-trash', 'ants', path.basename(weird))) && !existsSync(weird));
      // A file deleted before the user clicks: the page says so.
      await fs.rm(ants[1]!);
      await page.locator(`#label-issues figure[data-path="${ants[1]}"] button.move`).click();
      await page.waitForFunction(() => document.getElementById('message')!.textContent!.startsWith('refused: '));
      assert.match((await page.locator('#message').textContent())!, /no such file \(moved or deleted since the page showed it/);
      // A move onto a name already in the target class: a free name, nothing overwritten.
      const taken = path.join(images, 'Abeilles_été', path.basename(ants[2]!));
      await fs.writeFile(taken, 'a different image of the same name');
      await page.locator(`#label-issues figure[data-path="${ants[2]}"] button.move`).click();
      await page.waitForFunction(() => document.getElementById('message')!.textContent!.startsWith('moved to '));
      const { name, ext } = path.parse(ants[2]!);
      assert.equal(await page.locator('#message').textContent(), `moved to ${path.join(images, 'Abeilles_été', `${name}.1${ext}`)}; rebuilding…`);
      assert.equal(await fs.readFile(taken, 'utf8'), 'a different image of the same name');
      assert.equal(await page.locator(`figure[data-path="${ants[2]}"]`).count(), 0, 'the moved image leaves the page');
      // Pages of a list are bounded; a wrong list name is a 400.
      const list = (query: string) => fetch(new URL(`/list?${url.searchParams}&${query}`, url));
      const rest = (await (await list('name=outliers&offset=99990&limit=1000')).json()) as { items: unknown[]; total: number };
      assert.equal(rest.items.length, 10);
      assert.equal(((await (await list('name=labelIssues&offset=0&limit=100000')).json()) as { items: unknown[] }).items.length, 100);
      assert.equal((await list('name=constructor')).status, 400);
      assert.equal((await fetch(new URL('/list?name=outliers', url))).status, 401);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await ui.close();
      await fs.rm(work, { recursive: true, force: true });
    }
  });

  it('a confusion matrix of many classes is sent as its largest cells', async () => {
    const ui = await startUiServer({ scope: () => ({ imageDirs: [] }) });
    try {
      const classes = Array.from({ length: 1000 }, (_, i) => `class ${String(i).padStart(4, '0')}`);
      const confusion = classes.map((_, t) => classes.map((__, p) => (t === p ? 5 : p === (t + 1) % classes.length ? t % 3 : 0)));
      ui.update({ classes, lastBuild: { classes, classCounts: {}, confusion, testCount: 0 } });
      const event = await firstEvent(new URL(ui.url));
      assert.ok(event.length < 300_000, `one state message is ${event.length} bytes`);
      const state = JSON.parse(event.slice(event.indexOf('data: ') + 6)) as { lastBuild: { confusion?: unknown; largestConfusions: Array<{ count: number }> } };
      assert.equal(state.lastBuild.confusion, undefined);
      assert.equal(state.lastBuild.largestConfusions.length, 30);
      assert.ok(state.lastBuild.largestConfusions.every((cell) => cell.count === 2));
    } finally {
      await ui.close();
    }
  });

  // Before: thumbnails had sharp's own limit (268 megapixels), not the build's: a 12,000 x 12,000 image (144
  // megapixels, 432 MB decoded) was decoded for a 160-pixel thumbnail, and a larger one was a 500 with libvips' words.
  it('a thumbnail of an image over the build\'s pixel limit is refused in one clear line, not decoded', async () => {
    const work = await tempDir('retrain-ui-bomb-');
    await fs.mkdir(path.join(work, 'images', 'cats'), { recursive: true });
    const bomb = path.join(work, 'images', 'cats', 'huge.png');
    await fs.writeFile(bomb, pngClaiming(12_000, 12_000));
    assert.ok(12_000 * 12_000 > MAX_INPUT_PIXELS);
    const ui = await startUiServer({ scope: () => ({ imageDirs: [path.join(work, 'images')] }) });
    try {
      const url = new URL(ui.url);
      const response = await fetch(new URL(`/thumbnail?token=${url.searchParams.get('token')}&path=${encodeURIComponent(bomb)}`, url));
      assert.equal(response.status, 422);
      assert.deepEqual(await response.json(), { error: `${bomb}: image too large for a thumbnail (12000x12000, over ${MAX_INPUT_PIXELS.toLocaleString('en')} pixels; the build skips it too)` });
    } finally {
      await ui.close();
    }
  });
});
