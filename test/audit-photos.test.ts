import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { copySubset, MODEL_DIR, needsShared, REPO_ROOT, tempDir } from './helpers/shared.js';

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'bin/retrain.js');

describe('retrain audit on real photos', () => {
  it('finds labels flipped on disk and a photo filed under both classes', async (t) => {
    if (!needsShared(t)) return;
    const work = await tempDir('retrain-audit-');
    try {
      const images = await copySubset(30, 'train', path.join(work, 'images'));
      // Three bees filed as ants, one ant filed under bees as well (identical content in two classes).
      const bees = (await fs.readdir(path.join(images, 'bees'))).sort();
      const flipped = bees.slice(0, 3).map((name) => path.join(images, 'ants', name));
      for (const [i, name] of bees.slice(0, 3).entries()) await fs.rename(path.join(images, 'bees', name), flipped[i]!);
      const ant = (await fs.readdir(path.join(images, 'ants'))).sort().find((n) => !bees.includes(n))!;
      await fs.copyFile(path.join(images, 'ants', ant), path.join(images, 'bees', `copy-${ant}`));
      const args = [BIN, 'audit', '--json', '--image_dir', images, '--tfhub_module', MODEL_DIR, '--bottleneck_dir', path.join(work, 'cache')];
      const { stdout } = await run(process.execPath, args, { cwd: work, maxBuffer: 64 << 20, env: { ...process.env, CI: '1' } });
      const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
        labelIssues: Array<{ path: string; label: string; suggested: string; score: number }>;
        duplicates: Array<{ paths: string[]; kind: string; labels: string[]; splits: string[] }>;
        outliers: unknown[];
        confusedPairs: Array<{ classes: string[] }>;
      };
      const found = flipped.filter((p) => report.labelIssues.some((i) => i.path === p && i.label === 'ants' && i.suggested === 'bees'));
      assert.ok(found.length >= 2, `flipped ${flipped.join(', ')}; label issues ${JSON.stringify(report.labelIssues)}`);
      // Paths as on disk.
      for (const issue of report.labelIssues) await fs.access(issue.path);
      const identical = report.duplicates.find((d) => d.kind === 'identical');
      assert.deepEqual(identical?.paths, [path.join(images, 'ants', ant), path.join(images, 'bees', `copy-${ant}`)]);
      assert.deepEqual(identical?.labels, ['ants', 'bees']);
      assert.deepEqual(report.confusedPairs[0]?.classes, ['ants', 'bees']);

      // Human output: the ranked lists, paths as on disk (absolute) as in --json and in `retrain eval`, whatever
      // the working folder (before: relative to it, `images/ants/…`); the vectors now come from the cache.
      const { stdout: text } = await run(process.execPath, args.filter((a) => a !== '--json'), { cwd: work, env: { ...process.env, CI: '1' } });
      assert.match(text, /likely label errors: \d+/);
      for (const [rank, issue] of report.labelIssues.slice(0, 10).entries()) assert.ok(text.includes(`${String(rank + 1).padStart(2)}. ${issue.path}  labelled`), `${issue.path} in\n${text}`);
      assert.ok(text.includes(`${path.join(images, 'ants', ant)} [ants, `), text);
      assert.match(text, /identical, different labels/);
      assert.match(text, /0 computed/);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });

  // Before the fix: one photo per class gave "cross-validated accuracy 100.0%", two per class listed correct
  // photos as label errors. Below the folds' minimum (5 of every class) the audit says so and ranks nothing.
  for (const perClass of [1, 2]) {
    it(`with ${perClass} photo(s) per class says the classes are too small instead of ranking label errors`, async (t) => {
      if (!needsShared(t)) return;
      const work = await tempDir('retrain-audit-small-');
      try {
        const images = await copySubset(perClass, 'train', path.join(work, 'images'));
        const args = [BIN, 'audit', '--image_dir', images, '--tfhub_module', MODEL_DIR, '--bottleneck_dir', path.join(work, 'cache')];
        const env = { ...process.env, CI: '1' };
        const { stdout, stderr } = await run(process.execPath, [...args, '--json'], { cwd: work, maxBuffer: 64 << 20, env });
        const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as { labelIssues: unknown[]; confusedPairs: unknown[]; crossValidatedAccuracy: number | null; tooFewImages?: unknown };
        assert.deepEqual(report.labelIssues, []);
        assert.deepEqual(report.confusedPairs, []);
        assert.equal(report.crossValidatedAccuracy, null);
        assert.deepEqual(report.tooFewImages, { minimum: 5, classes: [{ label: 'ants', images: perClass }, { label: 'bees', images: perClass }] });
        const unit = perClass === 1 ? 'image' : 'images';
        const line = `warning: label errors not ranked: class "ants" has ${perClass} ${unit}, "bees" ${perClass}; the 5-fold cross-validation needs at least 5 images of every class (duplicates and outliers are still listed)`;
        assert.deepEqual(stderr.split('\n').filter((l) => l.includes('not ranked')), [line], stderr);

        const { stdout: text } = await run(process.execPath, args, { cwd: work, env });
        assert.deepEqual(text.split('\n').filter((l) => l.includes('not ranked')), [line], text);
        assert.doesNotMatch(text, /cross-validated accuracy|likely label errors|confused/, text);
        assert.match(text, /^duplicates: 0$/m);
      } finally {
        await fs.rm(work, { recursive: true, force: true });
      }
    });
  }
});
