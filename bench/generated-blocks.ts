/**
 * BENCHMARKS.md is part generated, part written by hand (dated measurements, decisions, notes). What a bench
 * writes sits between two marker lines, `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; a run replaces the
 * text between the markers of the blocks it measured and keeps everything else byte for byte.
 */

export interface Block {
  name: string;
  /** The generated text, without the markers. */
  body: string;
  /** Written above the block when the text has no such block yet (it is then added at the end). */
  heading?: string;
}

const start = (name: string) => `<!-- bench:${name} -->\n`;
const end = (name: string) => `<!-- /bench:${name} -->`;

/** Where a block's body starts and ends in the text, or undefined when it has none; throws when its markers are not one pair. */
function locate(text: string, name: string): { from: number; to: number } | undefined {
  const opening = text.indexOf(start(name));
  const closing = text.indexOf(end(name));
  if (opening < 0 && closing < 0) return undefined;
  const twice = text.indexOf(start(name), opening + 1) >= 0 || text.indexOf(end(name), closing + 1) >= 0;
  if (opening < 0 || closing < opening || twice) throw new Error(`BENCHMARKS.md: the markers of block "${name}" are not one ${start(name).trim()} … ${end(name)} pair; fix them by hand`);
  return { from: opening + start(name).length, to: closing };
}

/** The text with each block's body replaced (or, for a block it does not have yet, added at the end). */
export function withBlocks(text: string, blocks: readonly Block[]): string {
  let result = text;
  for (const { name, body, heading } of blocks) {
    const marked = `${body.trim()}\n`;
    const at = locate(result, name);
    if (at) result = result.slice(0, at.from) + marked + result.slice(at.to);
    else result = `${result.trimEnd()}\n\n${heading ? `${heading}\n\n` : ''}${start(name)}${marked}${end(name)}\n`;
  }
  return result;
}

/** A block's body as the text has it, if there. */
export function blockBody(text: string, name: string): string | undefined {
  const at = locate(text, name);
  return at && text.slice(at.from, at.to);
}

/** A rendered section without its first line when that is a Markdown heading (the heading stays outside the block). */
export function withoutHeading(section: string): string {
  return /^#+ /.test(section) ? section.slice(section.indexOf('\n') + 1).replace(/^\n+/, '') : section;
}

/** A rendered text cut into consecutive parts, each from one of `starts` (in order) to the next. */
export function cutAt(text: string, starts: readonly string[]): string[] {
  const at = starts.map((s) => {
    const i = text.indexOf(s);
    if (i < 0) throw new Error(`bench: "${s}" not in the rendered section`);
    return i;
  });
  return [text.slice(0, at[0]), ...at.map((from, i) => text.slice(from, at[i + 1]))];
}
