import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockBody, cutAt, withBlocks, withoutHeading } from '../../bench/generated-blocks.js';

const FILE = `# Benchmarks

<!-- bench:machine -->
old machine
<!-- /bench:machine -->

## Start-up

Hand-written, dated 2026-12-02: kept.

<!-- bench:startup -->
old figures
<!-- /bench:startup -->

**On the idle machine** (by hand): kept too.
`;

describe('BENCHMARKS.md generated blocks (npm run bench keeps what it does not own)', () => {
  it("replaces only the text between a block's markers; everything else stays byte for byte", () => {
    const text = withBlocks(FILE, [{ name: 'startup', body: 'new figures\n\n*Measured now.*' }]);
    assert.equal(text, FILE.replace('old figures\n', 'new figures\n\n*Measured now.*\n'));
    assert.equal(blockBody(text, 'startup'), 'new figures\n\n*Measured now.*\n');
    assert.equal(withBlocks(text, [{ name: 'startup', body: 'old figures' }]), FILE);
  });

  it('adds a block the file does not have at the end, under its heading', () => {
    const text = withBlocks(FILE, [{ name: 'remote', heading: '## Remote cache and queue', body: 'figures' }]);
    assert.equal(text, `${FILE}\n## Remote cache and queue\n\n<!-- bench:remote -->\nfigures\n<!-- /bench:remote -->\n`);
  });

  it('refuses markers that are not one pair, naming the block', () => {
    const broken = FILE.replace('<!-- /bench:startup -->', '');
    assert.throws(() => withBlocks(broken, [{ name: 'startup', body: 'x' }]), /block "startup"/);
    const twice = `${FILE}<!-- bench:startup -->\nx\n<!-- /bench:startup -->\n`;
    assert.throws(() => withBlocks(twice, [{ name: 'startup', body: 'x' }]), /block "startup"/);
  });

  it('cuts a rendered section into its blocks and drops its heading', () => {
    assert.deepEqual(cutAt(withoutHeading('## Start-up\n\nfirst\n\nWhere the time goes: second\n'), ['Where the time goes:']), ['first\n\n', 'Where the time goes: second\n']);
    assert.throws(() => cutAt('text', ['missing']), /"missing" not in the rendered section/);
  });
});
