import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { resolveConfig } from '../src/config/resolved-config.js';
import { build } from '../src/pipeline/build.js';
import { copySubset, MODEL_DIR, needsShared, tempDir } from './helpers/shared.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('the audit in report.html', () => {
  it('reportAudit adds label issues and duplicates with thumbnails, rendered in a real headless Chromium', { skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}` }, async (t) => {
    if (!needsShared(t)) return;
    const work = await tempDir('retrain-audit-report-');
    try {
      const images = await copySubset(25, 'train', path.join(work, 'images'));
      const bees = (await fs.readdir(path.join(images, 'bees'))).sort();
      const flipped = bees.slice(0, 2).map((name) => path.join(images, 'ants', name));
      for (const [i, name] of bees.slice(0, 2).entries()) await fs.rename(path.join(images, 'bees', name), flipped[i]!);
      const ant = (await fs.readdir(path.join(images, 'ants'))).sort().find((n) => !bees.includes(n))!;
      const copy = path.join(images, 'bees', `copy-${ant}`);
      await fs.copyFile(path.join(images, 'ants', ant), copy);
      const out = path.join(work, 'out');
      const config = (reportAudit: boolean) => resolveConfig({ imageDir: images, model: MODEL_DIR, cacheDir: path.join(work, 'cache'), outputDir: out, reportAudit }, work);

      await build(config(false));
      assert.ok(!(await fs.readFile(path.join(out, 'report.html'), 'utf8')).includes('id="audit"'), 'off by default');
      const result = await build(config(true));
      assert.equal(result.exported, true, 'turning the audit on re-exports an otherwise unchanged model');

      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (error) => errors.push(error.message));
        await page.goto(`file://${path.join(out, 'report.html')}`);
        const issues = await page.$$eval('#label-issues + .thumbs figure', (figures) =>
          figures.map((f) => ({ path: f.getAttribute('data-path'), width: (f.querySelector('img') as HTMLImageElement | null)?.naturalWidth, text: f.textContent })),
        );
        const shown = issues.filter((i) => flipped.includes(i.path!));
        assert.ok(shown.length >= 1, `a flipped bee is shown among ${JSON.stringify(issues.map((i) => i.path))}`);
        assert.equal(shown[0]!.width, 160, 'its thumbnail decoded');
        assert.match(shown[0]!.text!, /ants → bees/);
        const duplicate = await page.$$eval('.duplicate', (groups) => groups.map((g) => ({ text: g.querySelector('p')!.textContent, paths: [...g.querySelectorAll('figure')].map((f) => f.getAttribute('data-path')) })));
        assert.deepEqual(duplicate[0], { text: 'identical files, different labels', paths: [path.join(images, 'ants', ant), copy] });
        assert.ok((await page.$$('table.confused-pairs tr')).length >= 2);
        assert.deepEqual(errors, []);
      } finally {
        await browser.close();
      }
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });
});
