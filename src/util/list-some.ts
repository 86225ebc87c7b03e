/** "a, b, c" or "a, b, c and 7 more": a list that stays one readable line however long the input. */
export function listSome(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
