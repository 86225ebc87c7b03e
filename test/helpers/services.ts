import type { TestContext } from 'node:test';
import { servicesMissing, startServices, type Services } from '../../bench/services.js';

export { type Services } from '../../bench/services.js';

/** Why the tests that need Redis and the S3 store cannot run here, or undefined. */
export const SERVICES_MISSING = servicesMissing();

/**
 * Real Redis and S3 API (Swift) servers on free 127.0.0.1 ports for one test file; `stop` ends them and
 * removes their data. Skips the test (saying why) when their programs are not installed.
 */
export async function useServices(t?: TestContext): Promise<Services | undefined> {
  if (SERVICES_MISSING) {
    t?.skip(SERVICES_MISSING);
    return undefined;
  }
  return startServices();
}
