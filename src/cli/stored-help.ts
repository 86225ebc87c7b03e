import { readFileSync, statSync } from 'node:fs';

/**
 * The help texts yargs renders, stored at build time (src/cli/stored-help-writer.ts, run by `npm run build`) so
 * that `retrain --help`, `retrain -h`, `retrain help`, `retrain` alone and `retrain COMMAND --help` print them
 * without loading yargs and the command modules: most of what help cost was loading them, not Node.
 * test/stored-help.test.ts checks that each stored text is what yargs prints for the same command line.
 *
 * This module is what bin/retrain.js loads first: it must import nothing but node:fs.
 */
export const STORED_HELP_FILE = new URL('./stored-help.json', import.meta.url);

/** The CLI the texts were rendered from: a stored file older than it (tsc run again alone) is not used. */
const CLI_MODULE = new URL('./main.js', import.meta.url);

/** Help is wrapped to the terminal, at most 110 columns: the stored texts are for 110 (or no terminal). */
export const STORED_HELP_COLUMNS = 110;

/** The key of a command line in the stored file. */
export const storedHelpKey = (args: readonly string[]) => JSON.stringify(args);

/**
 * The stored help for exactly this command line, or undefined (then yargs renders it): a command line that is
 * not one of the stored ones, a terminal narrower than the stored texts, no stored file, or one older than the
 * compiled CLI (a build made by `tsc` alone).
 */
export function storedHelp(args: readonly string[], columns: number | undefined, file: URL = STORED_HELP_FILE, cli: URL = CLI_MODULE): string | undefined {
  // Not a help command line: nothing read.
  if (args.length > 2 || (args.length > 0 && !args.some((arg) => arg === '--help' || arg === '-h' || arg === 'help'))) return undefined;
  if (columns && columns < STORED_HELP_COLUMNS) return undefined;
  let stored: Record<string, string>;
  try {
    if (statSync(file).mtimeMs < statSync(cli).mtimeMs) return undefined;
    stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    return undefined;
  }
  return Object.hasOwn(stored, storedHelpKey(args)) ? stored[storedHelpKey(args)] : undefined;
}
