import { writeFileSync } from 'node:fs';
import { createCli } from './main.js';
import { STORED_HELP_FILE, storedHelpKey } from './stored-help.js';

/** The command lines whose help is stored: the top level as every way of asking, and each command's. */
export function storedHelpCommandLines(commands: readonly string[]): string[][] {
  return [[], ['--help'], ['-h'], ['help'], ...commands.flatMap((command) => [[command, '--help'], [command, '-h']])];
}

/** What yargs prints for `args` (a help command line), rendered for no terminal (110 columns), as console.log writes it. */
export function renderHelp(args: readonly string[]): Promise<string> {
  const words = args.length === 0 ? ['--help'] : [...args];
  const cli = createCli(words, undefined);
  return new Promise((resolve, reject) => {
    void cli.parse(words, {}, (error, _argv, output) => (error ? reject(error) : resolve(`${output}\n`)));
  });
}

/** The names of the commands the CLI declares (from yargs itself, so a new command is stored too). */
export function cliCommands(): string[] {
  const cli = createCli([], undefined) as unknown as { getInternalMethods(): { getCommandInstance(): { getCommands(): string[] } } };
  return cli.getInternalMethods().getCommandInstance().getCommands();
}

/** Renders every stored help text with yargs and writes them next to stored-help.js (run by `npm run build`). */
export async function writeStoredHelp(): Promise<void> {
  const stored: Record<string, string> = {};
  for (const args of storedHelpCommandLines(cliCommands())) stored[storedHelpKey(args)] = await renderHelp(args);
  writeFileSync(STORED_HELP_FILE, JSON.stringify(stored, null, 1) + '\n');
}
