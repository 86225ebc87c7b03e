import { TYPED_FLAGS } from '../config/typed-flags.js';

/**
 * A yargs `.check()` that refuses a numeric flag outside `min`.. (or not a whole number when `integer`), naming
 * the flag and the value as typed: `--top 0: must be a whole number, at least 1`.
 */
export function numberAtLeast(name: string, min: number, { integer = true } = {}) {
  return (argv: Record<string | symbol, unknown>): true | string => {
    const value = argv[name];
    if (value === undefined) return true;
    if (typeof value === 'number' && Number.isFinite(value) && value >= min && (!integer || Number.isInteger(value))) return true;
    const typed = (argv[TYPED_FLAGS] as Map<string, string | undefined> | undefined)?.get(name);
    return `--${name} ${typed ?? String(value)}: must be ${integer ? 'a whole number' : 'a number'}, at least ${min}`;
  };
}

/**
 * A yargs `.check()` that refuses `--flag=value` for a yes/no flag when the value is not true or false:
 * yargs reads `--flip-left-right=maybe` as false without a word. A string or number flag keeps its value
 * as given, so only a flag that came out `false` from such a value is refused.
 */
export function booleanValues(words: readonly string[]) {
  return (argv: Record<string | symbol, unknown>): true | string => {
    for (const word of words) {
      if (word === '--') break;
      const match = /^--([^=]+)=(.*)$/s.exec(word);
      if (!match) continue;
      const [, name, value] = match as unknown as [string, string, string];
      if (argv[name] === false && !/^(true|false)$/i.test(value)) return `--${name}=${value}: must be true or false (or give --${name} / --no-${name})`;
    }
    return true;
  };
}

/**
 * A yargs `.check()` that refuses a lone `-` (standard input) argument: yargs swallows it, so `retrain cache -`
 * reported `cache true` and `retrain experiment -` ran every experiment. No command reads standard input.
 * predict says it its own way (predict-command.ts).
 */
export function noLoneDash(args: readonly string[]) {
  return (): true | string => {
    const end = args.indexOf('--');
    const dash = args.indexOf('-');
    if (dash === -1 || (end !== -1 && end < dash)) return true;
    const command = args.find((arg) => !arg.startsWith('-')) ?? '';
    if (command === 'predict') return true;
    const what: Record<string, string> = { cache: 'name an action: stats, verify or gc', experiment: 'name experiments of the config, or none to run them all' };
    return `${command} -: "-" (standard input) is not an argument of ${command || 'retrain'}; ${what[command] ?? `see retrain ${command} --help`}`;
  };
}

/**
 * A yargs `.check()` that refuses a string flag typed without a value (`retrain watch --queue`): yargs makes it
 * '', which read as "not given" (watch went on without the queue, without a word). `what` says what it takes.
 */
export function needsValue(name: string, what: string) {
  return (argv: Record<string | symbol, unknown>): true | string => (argv[name] === '' ? `--${name}: needs a value (${what})` : true);
}
