/**
 * Where the command line records the flags as the user typed them (name as typed → raw value), so errors can
 * name `--how_many_training_steps` or `--steps`, whichever was used. Set by the CLI; absent for library calls.
 */
export const TYPED_FLAGS = Symbol.for('retrain.typedFlags');

/** The `--name[=value]` words of a command line: name as typed → the value word that followed, if any. */
export function typedFlags(words: readonly string[]): Map<string, string | undefined> {
  const typed = new Map<string, string | undefined>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === '--') break;
    if (!word.startsWith('--')) continue;
    const eq = word.indexOf('=');
    if (eq > 2) typed.set(word.slice(2, eq), word.slice(eq + 1));
    else {
      const next = words[i + 1];
      typed.set(word.slice(2), next !== undefined && !/^-[^\d.]/.test(next) ? next : undefined);
    }
  }
  return typed;
}
