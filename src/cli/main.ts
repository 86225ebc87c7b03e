import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { TYPED_FLAGS, typedFlags } from '../config/typed-flags.js';
import { booleanValues, noLoneDash } from './option-checks.js';
import { joinDashValues } from './dash-values.js';
import { printable } from '../util/printable.js';
import { closestKey } from '../config/config-issues.js';
import { auditCommand } from './audit-command.js';
import { buildCommand } from './build-command.js';
import { statusCommand } from './status-command.js';
import { cacheCommand } from './cache-command.js';
import { evalCommand } from './eval-command.js';
import { experimentCommand } from './experiment-command.js';
import { modelsCommand } from './models-command.js';
import { predictCommand } from './predict-command.js';
import { watchCommand } from './watch-command.js';
import { workerCommand } from './worker-command.js';

/** The `retrain` command line. Errors end the process with one line on stderr and exit code 1. */
export async function main(args: string[] = hideBin(process.argv)): Promise<void> {
  // A failed LMDB commit (disk full) can surface outside any await: still one clear line, exit 1. The
  // cache stays consistent (the failed transaction is rolled back) and exports are atomic.
  process.on('unhandledRejection', (reason: Error & { commitError?: Promise<unknown> }) => {
    const report = (error: Error) => {
      process.stderr.write(`error: ${printable(error.message.split('\n')[0]!)}\n`);
      process.exit(1);
    };
    if (reason?.commitError) reason.commitError.catch((inner: Error) => report(new Error(`cannot write the cache: ${inner.message}`)));
    else report(reason instanceof Error ? reason : new Error(String(reason)));
  });
  // Output piped into `head` and closed early is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  // No command at all: the help, as `retrain --help` (exit 0), rather than an error.
  if (args.length === 0) args = ['--help'];
  const cli = createCli(args);
  try {
    await cli.parseAsync();
  } catch (error) {
    process.stderr.write(`error: ${printable(error instanceof Error ? error.message : String(error))}\n`);
    if (process.env.RETRAIN_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    // A bad flag value is a usage error, as yargs' own (exit 2); anything else exit 1.
    process.exitCode = (error as { usage?: boolean }).usage === true ? 2 : 1;
  }
}

/**
 * The `retrain` yargs instance for `args`, every command declared, not parsed yet. `columns` is the terminal
 * width help is wrapped to (at most 110); src/cli/stored-help-writer.ts renders the stored help with it unset.
 */
export function createCli(typed: string[], columns: number | undefined = process.stdout.columns): Argv {
  const args = joinDashValues(typed);
  const cli = yargs(args)
    .scriptName('retrain')
    .usage('$0 <command> [options]\n\nRetrain an image classifier for your own classes by transfer learning, as an incremental build.')
    .option('config', { type: 'string', describe: 'Config file [./retrain.config.ts]', global: true })
    .demandCommand(1, 'Name a command: build, status, watch, predict, eval, experiment, audit, cache, models or worker')
    .recommendCommands()
    .strict()
    // Errors name flags as the user typed them (--how_many_training_steps or --steps).
    .middleware((argv) => {
      (argv as Record<symbol, unknown>)[TYPED_FLAGS] = typedFlags(args);
    }, true)
    .check(booleanValues(args), true)
    .check(noLoneDash(args), true)
    .help()
    .alias('h', 'help')
    // yargs renders a command's help on every run, in case it is shown; wrapping the text is most of that
    // cost, so it is only done when help is asked for (the only time it is shown).
    .wrap(args.some((a) => a === '--help' || a === '-h') ? Math.min(110, columns || 110) : null)
    .fail((message, error) => {
      if (error instanceof Error && error.name !== 'YError') throw error;
      // yargs takes a lone `-` for `true` (`cache true: must be one of …`): say what was typed.
      const dash = noLoneDash(args)();
      if (dash !== true) message = dash;
      // recommendCommands' message alone ("Did you mean build?") does not say what was wrong.
      if (/^Did you mean/.test(message)) message = `unknown command "${printable(args[0] ?? '')}": ${message.replace(/^D/, 'd')}`;
      // The flags of the command that failed (yargs resets its options per command).
      message = plainUsageMessage(message, args, Object.keys((cli as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key));
      // One line, as every other error: each message says what to do or where to look (no generic hint line).
      process.stderr.write(`error: ${printable(message)}\n`);
      process.exit(2);
    }) as Argv;
  // yargs renders a command's whole help before running its handler, for a handler that would show it; none
  // does (failures go to .fail above), so that rendering is skipped. Help asked for is rendered as before.
  const usage = (cli as unknown as { getInternalMethods?(): { getUsageInstance?(): { cacheHelpMessage?: () => void } } }).getInternalMethods?.().getUsageInstance?.();
  if (usage?.cacheHelpMessage) usage.cacheHelpMessage = () => {};
  return workerCommand(auditCommand(cacheCommand(modelsCommand(experimentCommand(evalCommand(predictCommand(watchCommand(statusCommand(buildCommand(cli))))))))));
}

/**
 * yargs' own wording made one line a user can act on: its choices error spans lines ("Invalid values:\n
 * Argument: format, Given: …") and its positional count speaks of "non-option arguments".
 */
export function plainUsageMessage(message: string, args: readonly string[], knownFlags: readonly string[] = []): string {
  const command = args.find((arg) => !arg.startsWith('-')) ?? '';
  // How a flag was typed: `--name`, `--name=…`, `-n`; undefined when it was not typed as a flag.
  const typedFlag = (name: string) => args.find((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`) || arg === `-${name}`)?.replace(/=.*$/s, '');
  if (/^Invalid values:/.test(message)) {
    const parts = [...message.matchAll(/Argument: ([^,]+), Given: (.*?), Choices: (.*)$/gm)].map(([, name, given, choices]) => {
      const values = choices!.split(/,\s*/).map((c) => c.replace(/^"|"$/g, '')).join(', ');
      const value = given!.replace(/^"|"$/g, '');
      // A positional (`retrain cache foo`) is named by its command, not by a flag the user never typed.
      return typedFlag(name!) === undefined ? `${command} ${value}: must be one of ${values}` : `--${name} ${value}: must be one of ${values}`;
    });
    if (parts.length > 0) return parts.join('; ');
  }
  // `Unknown arguments: stpes-x, stpesX` (yargs adds the camel-case twin): each as typed, with the closest flag.
  const unknown = /^Unknown arguments?: (.*)$/.exec(message);
  if (unknown) {
    const flags = knownFlags.filter((flag) => flag.length > 1 && !/[A-Z]/.test(flag));
    const parts = unknown[1]!.split(', ').flatMap((name) => {
      const typed = typedFlag(name);
      // The first word not a command and close to none (`retrain report`): yargs calls it an unknown argument.
      if (typed === undefined && name === args[0]) return [`unknown command "${name}" (see retrain --help)`];
      if (typed === undefined) return args.includes(name) ? [`${command} ${name}: unexpected argument (see retrain ${command} --help)`] : [];
      const near = closestKey(name, flags);
      return [`${typed}: unknown flag (${near ? `did you mean --${near}?` : `see retrain ${command ? `${command} ` : ''}--help`})`];
    });
    if (parts.length > 0) return parts.join('; ');
  }
  const missing = /^Not enough non-option arguments: got 0, need at least (\d+)/.exec(message);
  if (missing) {
    const what: Record<string, string> = { predict: 'name at least one image file', cache: 'name a cache command: stats, verify or gc' };
    return `${command || 'this command'}: ${what[command] ?? 'an argument is missing (see --help)'}`;
  }
  return message;
}
