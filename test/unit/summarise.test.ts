import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarise } from '../../src/app/change-batch.js';

describe('summarise (net effect of a burst of file events)', () => {
  it('sorts added, changed and removed paths', () => {
    const batch = summarise([
      { kind: 'add', path: 'b.jpg' },
      { kind: 'add', path: 'a.jpg' },
      { kind: 'change', path: 'c.jpg' },
      { kind: 'unlink', path: 'd.jpg' },
    ]);
    assert.deepEqual(batch, { added: ['a.jpg', 'b.jpg'], changed: ['c.jpg'], removed: ['d.jpg'], folders: [], config: false, configGone: false, rootsGone: [], rootsBack: [], errors: [] });
  });

  it('cancels an add followed by a delete, and keeps an added file added when it is then written', () => {
    const batch = summarise([
      { kind: 'add', path: 'tmp.jpg' },
      { kind: 'unlink', path: 'tmp.jpg' },
      { kind: 'add', path: 'new.jpg' },
      { kind: 'change', path: 'new.jpg' },
    ]);
    assert.deepEqual([batch.added, batch.changed, batch.removed], [['new.jpg'], [], []]);
  });

  it('counts a delete then add of the same path as a change (an editor saving by replace)', () => {
    const batch = summarise([
      { kind: 'unlink', path: 'x.jpg' },
      { kind: 'add', path: 'x.jpg' },
    ]);
    assert.deepEqual([batch.added, batch.changed, batch.removed], [[], ['x.jpg'], []]);
  });

  it('reports image roots gone and back, a deleted config and watcher errors, the last word per root winning', () => {
    const batch = summarise([
      { kind: 'root-gone', path: '/data/a' },
      { kind: 'root-gone', path: '/data/b' },
      { kind: 'root-back', path: '/data/a' },
      { kind: 'config-gone', path: 'retrain.config.ts' },
      { kind: 'error', message: 'EACCES: /data/b/x' },
    ]);
    assert.deepEqual([batch.rootsGone, batch.rootsBack, batch.config, batch.configGone, batch.errors], [['/data/b'], ['/data/a'], false, true, ['EACCES: /data/b/x']]);
  });

  it('reports folders and the config apart from files, and ignores ready', () => {
    const batch = summarise([
      { kind: 'ready' },
      { kind: 'addDir', path: 'wasps' },
      { kind: 'unlinkDir', path: 'ants' },
      { kind: 'config', path: 'retrain.config.ts' },
    ]);
    assert.deepEqual(batch, { added: [], changed: [], removed: [], folders: ['ants', 'wasps'], config: true, configGone: false, rootsGone: [], rootsBack: [], errors: [] });
  });
});
