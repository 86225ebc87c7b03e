/**
 * Runs `stop` on the first Ctrl-C (or SIGTERM) so work in flight can finish and the cache can be flushed;
 * a second one exits at once. LMDB keeps the cache consistent either way.
 */
export function onInterrupt(stop: () => Promise<void> | void): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\n${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping (again to quit at once)…\n`);
    void Promise.resolve(stop()).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
