import type { OperatorFunction } from '../util/rx.js';
import type { BuildContext } from './build-context.js';

/**
 * One stage of the dataflow, declared like a build rule: what it reads, what it produces, and the RxJS
 * operator that does it. Tasks are composed into the build pipeline; they touch the outside world only
 * through the BuildContext.
 */
export interface Task<In, Out> {
  name: string;
  /** What the task reads (config fields, cache tables, files). */
  inputs: readonly string[];
  /** What the task produces or writes. */
  outputs: readonly string[];
  operator(context: BuildContext): OperatorFunction<In, Out>;
}

export function defineTask<In, Out>(task: Task<In, Out>): Task<In, Out> {
  return task;
}
