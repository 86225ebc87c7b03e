import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { HYMENOPTERA, needsShared, REPO_ROOT } from './helpers/shared.js';

const retrain = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/retrain.js'), ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, CI: '1' } });

describe('retrain watch --ui --ui-port', () => {
  it('a port in use or out of range is one line naming --ui-port and what to do', async (t) => {
    if (!needsShared(t)) return;
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const images = path.join(HYMENOPTERA, 'val');
      const inUse = retrain('watch', '--ui', '--ui-port', String(port), '--image_dir', images);
      assert.equal(inUse.status, 1);
      assert.equal(inUse.stderr, `error: --ui-port ${port}: 127.0.0.1:${port} is in use by another program; choose another port, or leave --ui-port out for a free one\n`);
      const tooBig = retrain('watch', '--ui', '--ui-port', '70000', '--image_dir', images);
      assert.equal(tooBig.status, 2, 'a usage error');
      assert.match(tooBig.stderr, /^error: --ui-port 70000: must be a port number, 0 to 65535/);
      const negative = retrain('watch', '--ui', '--ui-port', '-1', '--image_dir', images);
      assert.match(negative.stderr, /^error: --ui-port -1: must be a whole number, at least 0/);
    } finally {
      busy.close();
    }
  });
});
