import type { HeadOptions } from '../config/define-config.js';

/** True when the options ask for more than the original's plain SGD on one softmax layer. */
export function needsOptionsTrainer(options: HeadOptions): boolean {
  return (
    (options.optimizer ?? 'sgd') !== 'sgd' ||
    (options.l2 ?? 0) > 0 ||
    (options.labelSmoothing ?? 0) > 0 ||
    options.earlyStoppingPatience !== undefined ||
    options.classWeights !== undefined ||
    (options.hiddenUnits ?? 0) > 0
  );
}
