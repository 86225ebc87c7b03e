import leven from 'leven';
import type { z } from 'zod';

/** One problem of a config, in words, and where it came from: a command-line flag or the config itself. */
export interface ConfigProblem {
  /** The flag as typed with its value (`--steps -5`), when a flag set the field; else undefined. */
  flag?: string;
  /** Dotted field path (`train.steps`), or '' for the whole config. */
  field: string;
  message: string;
}

/**
 * Turns zod issues into problems a person can act on: the field (or the flag that set it), what is wrong in
 * plain words, and for an unknown key the closest known one. Unknown keys come first: a misspelt key
 * (`imageDri`) is the cause of the "not set" problem it hides.
 */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  value: unknown,
  schema: z.ZodType,
  flagSources: ReadonlyMap<string, string> = new Map(),
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const at = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const near = closestKey(key, knownKeysAt(schema, at));
        const suggestion = near ? [...at, near].join('.') : keyInAGroup(key, schema, at);
        const field = [...at, key].join('.');
        problems.push({ field, message: `unknown key${suggestion ? ` (did you mean ${suggestion}?)` : ''}` });
      }
      continue;
    }
    const field = at.join('.');
    problems.push({ flag: flagFor(field, flagSources), field, message: plainMessage(issue, valueAt(value, at), field) });
  }
  return [...problems.filter((p) => p.message.startsWith('unknown key')), ...problems.filter((p) => !p.message.startsWith('unknown key'))];
}

/** `source: invalid config: a: …; b: …` for the config's own problems, `--flag value: …` for each flag's. */
export function formatProblems(problems: readonly ConfigProblem[], source: string): string {
  // A flag is named once, with its own problem: a group's rule it also breaks (`--testing-percentage 150` and the
  // percentages' sum) follows from it; the value is in the flag as typed, so no "(got 150)".
  const named: string[] = [];
  const fromFlags: string[] = [];
  for (const p of problems) {
    if (!p.flag || named.some((flag) => p.flag!.includes(flag))) continue;
    named.push(p.flag);
    fromFlags.push(`${p.flag}: ${p.message.replace(/ \(got [^)]*\)$/, '')}`);
  }
  const fromConfig = problems.filter((p) => !p.flag).map((p) => `${p.field || '(config)'}: ${p.message}`);
  return [...fromFlags, ...(fromConfig.length > 0 ? [`${source}: invalid config: ${fromConfig.join('; ')}`] : [])].join('; ');
}

/** The flags that set `field`, a field inside it, or the group it is in (a refinement of `split` names both its flags). */
function flagFor(field: string, flagSources: ReadonlyMap<string, string>): string | undefined {
  if (field === '') return undefined;
  const flags = [...flagSources].filter(([f]) => f === field || f.startsWith(field + '.') || field.startsWith(f + '.')).map(([, flag]) => flag);
  return flags.length > 0 ? flags.join(' ') : undefined;
}

function plainMessage(issue: z.core.$ZodIssue, input: unknown, field: string): string {
  switch (issue.code) {
    case 'invalid_type':
    case 'invalid_union':
      if (input === undefined) return field === 'imageDir' ? 'not set (set imageDir in the config or give --image_dir)' : 'not set';
      if (issue.code === 'invalid_type' && issue.expected === 'int') return `must be a whole number (got ${show(input)})`;
      if (typeof input === 'number' && Number.isNaN(input)) return 'must be a number';
      if (issue.code === 'invalid_type') return `must be ${article(issue.expected)} (got ${show(input)})`;
      return `${issue.message.toLowerCase()} (got ${show(input)})`;
    case 'too_small':
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        return `must be ${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)} (got ${show(input)})`;
      }
      return 'must not be empty';
    case 'too_big':
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        return `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)} (got ${show(input)})`;
      }
      return `must have at most ${String(issue.maximum)} items`;
    case 'invalid_key':
      // A record key the schema refuses (an experiment named `x/y`): its own rule, not zod's "Invalid key in record".
      return `invalid name ${show(issue.path.at(-1))}: ${issue.issues.map((inner) => inner.message).join('; ')}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')} (got ${show(input)})`;
    default:
      return issue.message;
  }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}

function valueAt(value: unknown, at: readonly string[]): unknown {
  let current = value;
  for (const key of at) current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
  return current;
}

/** The keys an object schema accepts at `at` (through optionals, refinements and records). */
function knownKeysAt(schema: z.ZodType, at: readonly string[]): string[] {
  let current: unknown = schema;
  for (let i = 0; i <= at.length; i++) {
    for (;;) {
      const def = (current as { _zod?: { def?: { type?: string; innerType?: unknown } } })._zod?.def;
      if (def?.type === 'optional' || def?.type === 'nullable' || def?.type === 'default') current = def.innerType;
      else break;
    }
    const def = (current as { _zod: { def: { type: string; shape?: Record<string, unknown>; valueType?: unknown } } })._zod.def;
    if (i === at.length) return def.type === 'object' ? Object.keys(def.shape ?? {}) : [];
    if (def.type === 'object') current = def.shape?.[at[i]!];
    else if (def.type === 'record') current = def.valueType;
    else return [];
    if (!current) return [];
  }
  return [];
}

/** `learningRate` written at the top level: the group that has it (`train.learningRate`). */
function keyInAGroup(key: string, schema: z.ZodType, at: readonly string[]): string | undefined {
  for (const group of knownKeysAt(schema, at)) {
    const inner = knownKeysAt(schema, [...at, group]);
    const match = inner.find((k) => k.toLowerCase() === key.toLowerCase());
    if (match) return [...at, group, match].join('.');
  }
  return undefined;
}

/** The known key closest to a misspelt one: same letters ignoring case and `-`/`_`, else within a small edit distance. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const same = known.find((k) => squash(k) === squash(key));
  if (same) return same;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = leven(squash(key), squash(candidate));
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}
