import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MISCLASSIFIED_SHOWN, reportFiles } from '../../src/report/build-report-files.js';

// Before the fix report.html held a thumbnail of every misclassified test image: at 1,000,000 generated images
// 83,188 of them, a 61 MB page, and 425 s of the build's export stage spent making them.
describe('report.html of a large test set', () => {
  it('shows the first misclassified images, says how many there are in all, and where the full list is', async () => {
    const count = MISCLASSIFIED_SHOWN + 7;
    const misclassified = Array.from({ length: count }, (_, i) => ({ path: `/nowhere/img_${i}.jpg`, label: 0, predicted: 1, score: 0.9 }));
    const confusion = [[0, count], [0, 0]];
    const test = { accuracy: 0, count, confusion, misclassified } as unknown as Parameters<typeof reportFiles>[0]['test'];
    const files = await reportFiles({ labels: ['a', 'b'], log: [], histograms: [], test, validation: { ...test, accuracy: NaN }, details: [], wallTime: 0 });
    const html = String(files.get('report.html'));
    assert.equal(html.match(/<figure>/g)?.length, MISCLASSIFIED_SHOWN);
    assert.ok(html.includes(`img_${MISCLASSIFIED_SHOWN - 1}.jpg`));
    assert.ok(!html.includes(`img_${MISCLASSIFIED_SHOWN}.jpg`));
    assert.match(html, new RegExp(`the first ${MISCLASSIFIED_SHOWN} of ${count.toLocaleString('en')}`));
    assert.match(html, /retrain eval --json/);
  });
});
