#!/usr/bin/env node
import { storedHelp } from '../dist/src/cli/stored-help.js';

// Help as yargs renders it, stored at build time: printed without loading yargs or any command.
const help = storedHelp(process.argv.slice(2), process.stdout.columns);
if (help === undefined) {
  const { main } = await import('../dist/src/cli/main.js');
  await main();
} else {
  // Output piped into `head` and closed early is not an error.
  process.stdout.on('error', (error) => process.exit(error.code === 'EPIPE' ? 0 : 1));
  process.stdout.write(help);
}
