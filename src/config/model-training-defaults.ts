/**
 * Training defaults carried per registry model, as the registry carries each one's preprocessing: the SGD
 * learning rate chosen per backbone by 5-fold cross-validation of a simulated build on hymenoptera train/ and
 * flower_photos_mini, never val/ (`node build/bench/head-cv.js --build`; BENCHMARKS.md, "How the defaults were
 * chosen"). A model not listed here, or given as a path or URL, trains at the original's 0.01.
 */
export const DEFAULT_LEARNING_RATE = 0.01;

/** Registry name → learning rate, for the backbones whose cross-validation chose another rate than 0.01. */
export const REGISTRY_LEARNING_RATES: Readonly<Record<string, number>> = {
  darknet_tiny_224: 0.1,
  mobilenet_v1_075_224: 0.1,
};

/**
 * The learning rate a build uses for `model` when the config and flags give none. The registry's rate was chosen
 * for the default head (plain SGD, no head options): with any `head` option set (momentum or adam, whose steps are
 * larger at the same rate, a hidden layer, L2, …) it is the original's 0.01.
 */
export function defaultLearningRate(model: string, head: object = {}): number {
  const plainHead = Object.values(head).every((value) => value === undefined);
  return plainHead && Object.hasOwn(REGISTRY_LEARNING_RATES, model) ? REGISTRY_LEARNING_RATES[model]! : DEFAULT_LEARNING_RATE;
}
