import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256Hex } from '../../src/util/content-hash.js';
import { fileListKey, imageSetKey, imagesKey, testSetKey, trainingDataKey, TRAINING_DATA_VERSION } from '../../src/store/keys.js';

/**
 * The data-set keys are hashed a line at a time (not as one joined string): each must stay the very key the
 * joined text gave (the formulas below are the keys as they were written before), or every cache and up-to-date
 * record would be invalidated.
 */
describe('data-set keys hashed a line at a time', () => {
  // 'ants' begins 'ants b' and 'ants\u0001': a field that begins another sorts by what follows it in the line.
  const labels = ['bees "b"', 'ants', 'ünï 🐝', 'ants b'];
  const sets = ['training', 'validation', 'testing'] as const;
  // Enough images for the text to be hashed in several pieces (64 K characters each); names JSON must escape,
  // and (in the second data set) characters at or below the tab, which sort before the tab that ends a field.
  const dataSet = (low: '' | 'tab' | 'one') => Array.from({ length: 5000 }, (_, i) => {
    const label = low === 'one' && i % 13 === 0 ? 'ants\u0001' : labels[i % 4]!;
    // With tabs: 'x' and 'x\t!' in one class, whose lines sort the other way round from the names.
    const relPath = low === 'tab' && i % 28 === 0 ? `x\t!${i}` : low === 'tab' && i % 28 === 4 ? 'x' : i % 7 === 0 ? `q"uo\\te${low === 'tab' ? '\t' : ''}${i}.jpg` : i % 11 === 0 ? `ü🐝${i}.jpg` : i % 17 === 0 ? `img_${i - 1}.jpg.x` : `img_${i}.jpg`;
    const sha256 = ((i * 2654435761) >>> 0).toString(16).padStart(64, String(i % 10));
    return {
      path: `/data/${label}/${relPath}`,
      label,
      relPath,
      sha256,
      key: `model:pre:${sha256}`,
      set: sets[(i * 7) % 3]!,
      variants: i % 5 === 0 ? [{ key: `v1:${sha256}` }, { key: `v2:${sha256}` }] : undefined,
    };
  });

  for (const low of ['', 'tab', 'one'] as const) it(`gives the keys the joined text gives${low ? ` (names with a character at or below the tab: ${low})` : ''}`, () => {
    const images = dataSet(low);
    assert.equal(fileListKey(images), sha256Hex(images.map((f) => f.path).sort().join('\n')));
    assert.equal(imagesKey(images), sha256Hex(images.map((i) => `${i.label}\t${i.relPath}\t${i.sha256}`).sort().join('\n')));
    for (const set of sets) {
      assert.equal(imageSetKey(images, set), sha256Hex(JSON.stringify(images.filter((i) => i.set === set).map((i) => `${i.label}\t${i.key}`).sort())));
    }
    assert.equal(testSetKey(images), imageSetKey(images, 'testing'));
    const lines = images
      .filter((e) => e.set !== 'testing')
      .map((e) => [e.set, e.label, e.key, ...(e.variants ?? []).map((v) => v.key)].join('\t'))
      .sort();
    assert.equal(trainingDataKey(labels, images), sha256Hex(JSON.stringify({ version: TRAINING_DATA_VERSION, labels, examples: lines })));
  });

  it('gives the keys of empty sets the joined text gives', () => {
    assert.equal(fileListKey([]), sha256Hex(''));
    assert.equal(imagesKey([]), sha256Hex(''));
    assert.equal(imageSetKey([], 'testing'), sha256Hex('[]'));
    assert.equal(trainingDataKey(labels, []), sha256Hex(JSON.stringify({ version: TRAINING_DATA_VERSION, labels, examples: [] })));
  });
});
