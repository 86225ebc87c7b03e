import { ConfigError } from './config-error.js';

/** `path:line:column` as jiti's parse errors and V8's stack frames print it. */
const LOCATION = /(\/[^\s():]+|[A-Za-z]:\\[^\s():]+):(\d+):(\d+)/g;

/**
 * A config file that jiti cannot load, in one line that names the file, line and column: jiti's parse error
 * puts the place on a second line (`ParseError: Unexpected token  \n /…/retrain.config.ts:5:21`), an error
 * thrown while the file runs has it in its stack. A place in another file (one the config imports) is named too.
 */
export function configLoadError(file: string, error: unknown): ConfigError {
  const { message = String(error), stack = '' } = (error ?? {}) as { message?: string; stack?: string };
  const [first = '', ...rest] = message.split('\n');
  const parse = /^(?:\w+: )?ParseError: /.test(first);
  // jiti's parse error (Babel's) counts columns from 0; V8's stack frames, editors and `file:line:col` links from 1.
  const parsePlaces = [...rest.join('\n').matchAll(LOCATION)].map(([, where, line, column]) => ({ where: where!, line: line!, column: String(Number(column) + (parse ? 1 : 0)) }));
  const stackPlaces = [...stack.matchAll(LOCATION)].map(([, where, line, column]) => ({ where: where!, line: line!, column: column! }));
  const places = [...parsePlaces, ...stackPlaces];
  const place = places.find((p) => p.where === file) ?? places.find((p) => !p.where.includes('/node_modules/') && !p.where.startsWith('node:'));
  const reason = first.replace(/^(?:\w+: )?ParseError: /, '').trim();
  const name = (error as Error | undefined)?.name;
  const what = parse ? `syntax error: ${reason}` : `cannot load config (${name && name !== 'Error' && !reason.startsWith(name) ? `${name}: ` : ''}${reason})`;
  if (place?.where === file) return new ConfigError(`${file}:${place.line}:${place.column}: ${what}`);
  if (place) return new ConfigError(`${file}: ${what} at ${place.where}:${place.line}:${place.column}`);
  return new ConfigError(`${file}: ${what}`);
}
