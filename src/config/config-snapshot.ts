/**
 * A config file's default export read once, into plain objects and arrays: a getter that throws (`get train()
 * { throw … }`), or a Proxy that does, throws here, while the file is being loaded, where the error can name
 * the file; read later (merging, validating) it surfaced as a bare `error: boom`. `onError` gets what threw and
 * the path of the property being read (`train.steps`); an object that contains itself is refused the same way.
 * Objects that are not plain (class instances, functions) are kept as they are.
 */
export function configSnapshot(value: unknown, onError: (error: unknown, at: string) => never, at = '', within: ReadonlySet<object> = new Set()): unknown {
  if (value === null || typeof value !== 'object') return value;
  // An object that contains itself (`train.self = train`) would be copied without end: refused, naming where.
  // (No stack: where it is in retrain's code says nothing of the config file.)
  if (within.has(value)) return onError(Object.assign(new Error('an object that contains itself (a cycle)'), { stack: '' }), at);
  let keys: string[];
  try {
    if (!Array.isArray(value) && !isPlainObject(value)) return value;
    keys = Object.keys(value);
  } catch (error) {
    return onError(error, at);
  }
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  const inside = new Set(within).add(value);
  for (const key of keys) {
    const where = at ? `${at}.${key}` : key;
    let child: unknown;
    try {
      child = (value as Record<string, unknown>)[key];
    } catch (error) {
      return onError(error, where);
    }
    (copy as Record<string, unknown>)[key] = configSnapshot(child, onError, where, inside);
  }
  return copy;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
