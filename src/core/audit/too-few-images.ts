/**
 * The label-error ranking's floor: every class needs at least as many images as the cross-validation has folds.
 * The folds are stratified (cross-validated-probabilities.ts), so a class of n ≥ folds images has at most
 * ⌈n / folds⌉ of them held out at a time and every fold head trains on at least folds − 1 of them; below that
 * a fold head sees one or two images of the class (or none) and its out-of-sample probabilities say nothing: with
 * one photo per class of a real set the audit reported 100% cross-validated accuracy, with two it flagged correct
 * photos as label errors. scikit-learn's StratifiedKFold warns at the same floor (a class with fewer members than
 * n_splits). Below it the audit does not rank label errors, nor report the cross-validated accuracy or the
 * confused pairs (all read from the fold heads), and says why in one line; duplicates and outliers, which need
 * no fold heads, are still listed.
 */

export interface TooFewImages {
  /** Images every class needs (the folds). */
  minimum: number;
  /** The classes below it, in class order, with their image counts. */
  classes: Array<{ label: string; images: number }>;
}

/** The classes with fewer than `folds` images (undefined: none, the ranking can run). */
export function tooFewImages(given: readonly number[], labels: readonly string[], folds: number): TooFewImages | undefined {
  const minimum = Math.max(2, folds);
  const counts = new Array<number>(labels.length).fill(0);
  for (const label of given) counts[label]!++;
  const classes = labels.map((label, i) => ({ label, images: counts[i]! })).filter((c) => c.images < minimum);
  return classes.length ? { minimum, classes } : undefined;
}

/** The one line that says so: `label errors not ranked: class "bees" has 2 images, "ants" 1; …`. */
export function tooFewImagesMessage({ minimum, classes }: TooFewImages): string {
  const [first, ...rest] = classes;
  const counts = [`class "${first!.label}" has ${first!.images} image${first!.images === 1 ? '' : 's'}`, ...rest.map((c) => `"${c.label}" ${c.images}`)].join(', ');
  return `label errors not ranked: ${counts}; the ${minimum}-fold cross-validation needs at least ${minimum} images of every class (duplicates and outliers are still listed)`;
}
