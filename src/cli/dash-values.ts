/**
 * A word that starts with a dash and a digit but is not a plain number (`-1/2`, `-3x`), right after a
 * `--flag` typed without `=`, made that flag's value (`--shard=-1/2`). yargs takes a negative number as a value
 * but reads `-1/2` as the short flags `-1`, `-/`, `-2` ("Unknown argument: 1", with no word of --shard); no
 * retrain flag is a digit, so the word can only have been meant as the value, and the flag's own check then
 * says what is wrong with it. Words after `--` are left as they are.
 */
export function joinDashValues(words: readonly string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const next = words[i + 1];
    if (word === '--') return [...joined, ...words.slice(i)];
    if (/^--[^=]+$/.test(word) && next !== undefined && /^-\d/.test(next) && !/^-(\d+(\.\d+)?)$/.test(next)) {
      joined.push(`${word}=${next}`);
      i++;
    } else joined.push(word);
  }
  return joined;
}
