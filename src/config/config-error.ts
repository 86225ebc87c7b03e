/**
 * A bad config or flag, one line. Its own module (re-exported by schema.ts) so that what only needs the
 * error, like the flag table `--help` loads, does not load zod and build the schema.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  /** True when only command-line flags are at fault (a usage error: exit code 2). */
  usage = false;
}
