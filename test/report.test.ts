import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { resolveConfig } from '../src/config/resolved-config.js';
import { build } from '../src/pipeline/build.js';
import { copySubset, HAS_SHARED, MODEL_DIR, tempDir } from './helpers/shared.js';
import { decodeEvents } from './helpers/tensorboard.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('build report and TensorBoard logs', { skip: !HAS_SHARED && 'shared models/data sets not found (set RETRAIN_SHARED)' }, () => {
  let out: string;
  let summaries: string;

  before(async () => {
    const images = await copySubset(12);
    const work = await tempDir();
    out = path.join(work, 'out');
    summaries = path.join(work, 'summaries');
    // A training that barely moves the random initial head, so test images are misclassified and get thumbnails.
    const config = resolveConfig(
      { imageDir: images, model: MODEL_DIR, split: { testingPercentage: 40 }, train: { steps: 20, learningRate: 1e-9, evalStepInterval: 2 }, seed: 3, cacheDir: path.join(work, 'cache'), outputDir: out, summariesDir: summaries },
      work,
    );
    await build(config);
  });

  it('writes TensorBoard event files that parse back, in the model folder and in summaries_dir', async () => {
    for (const root of [path.join(out, 'logs'), summaries]) {
      const [trainFile] = await fs.readdir(path.join(root, 'train'));
      assert.match(trainFile!, /^events\.out\.tfevents\.\d+\.retrain$/);
      const train = decodeEvents(await fs.readFile(path.join(root, 'train', trainFile!)));
      const tags = train.flatMap((e) => ('tag' in e ? [e.tag] : []));
      assert.equal(tags.filter((t) => t === 'accuracy').length, 11, 'steps 0, 2, … 18 and the last');
      assert.equal(tags.filter((t) => t === 'cross_entropy').length, 11);
      assert.ok(tags.includes('final_training_ops/weights') && tags.includes('final_training_ops/biases'));
      const [validationFile] = await fs.readdir(path.join(root, 'validation'));
      const validation = decodeEvents(await fs.readFile(path.join(root, 'validation', validationFile!)));
      assert.equal(validation.filter((e) => 'tag' in e && e.tag === 'accuracy').length, 11);
    }
  });

  it('report.html renders its charts, tables and thumbnails in a real headless Chromium', { skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium)` }, async () => {
    const html = await fs.readFile(path.join(out, 'report.html'), 'utf8');
    assert.ok(!/(src|href)="(https?:)?\/\//.test(html), 'self-contained: no external resources');
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`file://${path.join(out, 'report.html')}`);
      const charts = await page.$$eval('svg.chart', (svgs) =>
        svgs.map((svg) => ({
          width: svg.getBoundingClientRect().width,
          series: [...svg.querySelectorAll('polyline.series')].map((line) => ({
            points: (line as SVGPolylineElement).points.numberOfItems,
            length: (line as SVGPolylineElement).getTotalLength(),
          })),
        })),
      );
      assert.equal(charts.length, 2, 'accuracy and cross entropy');
      for (const chart of charts) {
        assert.ok(chart.width > 100);
        assert.equal(chart.series.length, 2, 'train and validation');
        for (const series of chart.series) assert.ok(series.points === 11 && series.length > 0, JSON.stringify(series));
      }
      assert.equal(await page.$$eval('table.confusion td', (cells) => cells.length), 4);
      assert.equal(await page.$$eval('table.per-class tr', (rows) => rows.length), 3);
      const thumbs = await page.$$eval('.thumbs img', (imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth));
      assert.ok(thumbs.length > 0, 'the short training misclassifies some test images');
      assert.ok(thumbs.every((w) => w === 160), `thumbnails decoded: ${thumbs}`);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
