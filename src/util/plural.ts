/** `1 image`, `2 images`, `0 classes`: a count with its noun in the right number. */
export function plural(count: number, singular: string, pluralForm = /(s|x|ch|sh)$/.test(singular) ? `${singular}es` : `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
