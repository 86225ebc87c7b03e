import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createReporter } from '../../src/cli/build-reporter.js';

/**
 * Plain progress lines (not a terminal) come once per tenth of the images. A trial's Ctrl-C a few seconds into a
 * 500-image first build printed `bottlenecks 500/500 (0 computed, 0 cached)` just before "interrupted"; with the
 * stopped images no longer counted as done, the last line must still carry the counts the stage really reached.
 */
describe('the plain progress lines of a build stopped during the bottlenecks', () => {
  it('end with the counts the stage reached, not those of the last tenth', () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const reporter = createReporter({ json: false, stream: stream as unknown as NodeJS.WriteStream });
    reporter.onEvent({ type: 'scanned', images: 500, labels: ['daisy', 'roses'] });
    reporter.onEvent({ type: 'stage', stage: 'bottleneck', status: 'start' });
    reporter.onEvent({ type: 'bottleneck-progress', done: 4, total: 500, computed: 4, cached: 0 });
    reporter.onEvent({ type: 'bottleneck-progress', done: 8, total: 500, computed: 8, cached: 0 });
    reporter.onEvent({ type: 'stage', stage: 'bottleneck', status: 'interrupted', detail: '8 computed and kept in the cache, 0 cached; 492 not computed' });
    const lines = text.trim().split('\n');
    assert.deepEqual(lines.filter((l) => l.startsWith('bottlenecks ')), ['bottlenecks 4/500 (4 computed, 0 cached)', 'bottlenecks 8/500 (8 computed, 0 cached)']);
    assert.equal(lines.at(-1), 'bottleneck: interrupted (8 computed and kept in the cache, 0 cached; 492 not computed)');
  });

  it('add no line when the last tenth already said the counts', () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const reporter = createReporter({ json: false, stream: stream as unknown as NodeJS.WriteStream });
    reporter.onEvent({ type: 'scanned', images: 10, labels: ['a', 'b'] });
    for (let done = 1; done <= 10; done++) reporter.onEvent({ type: 'bottleneck-progress', done, total: 10, computed: done, cached: 0 });
    // The stage says its counts once more when it completes.
    reporter.onEvent({ type: 'bottleneck-progress', done: 10, total: 10, computed: 10, cached: 0 });
    reporter.onEvent({ type: 'stage', stage: 'bottleneck', status: 'done', detail: '10 computed, 0 cached' });
    assert.equal(text.split('\n').filter((l) => l.startsWith('bottlenecks ')).length, 10);
  });
});
