/**
 * RETRAIN_REMOTE_CACHE stands in for `--remote-cache` when the flag is not given (the flag wins; either
 * wins over the config file). The AWS SDK reads its own variables (AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, …).
 */
export function withRemoteEnv<T extends Record<string, unknown>>(argv: T, env: NodeJS.ProcessEnv = process.env): T {
  const fromEnv = env.RETRAIN_REMOTE_CACHE?.trim();
  if (argv['remote-cache'] !== undefined || !fromEnv) return argv;
  return { ...argv, 'remote-cache': fromEnv };
}

/**
 * The AWS SDK warns on every run under Node < 22 that its releases from 2027 will need Node 22. This
 * package pins its SDK version in the lock file and supports Node 20, so the warning says nothing to a
 * user of `retrain`; a user who sets the variable keeps their choice.
 */
export function quietSdkNodeWarning(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
