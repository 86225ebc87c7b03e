/**
 * A config file's default export read once, into plain objects and arrays: a getter that throws (`get train()
 * { throw … }`), or a Proxy that does, throws here, while the file is being loaded, where the error can name
 * the file; read later (merging, validating) it surfaced as a bare `error: boom`. `onError` gets what threw and
 * the path of the property being read (`train.steps`). Objects that are not plain (class instances, functions)
 * are kept as they are.
 */
export function configSnapshot(value: unknown, onError: (error: unknown, at: string) => never, at = ''): unknown {
  if (value === null || typeof value !== 'object') return value;
  let keys: string[];
  try {
    if (!Array.isArray(value) && !isPlainObject(value)) return value;
    keys = Object.keys(value);
  } catch (error) {
    return onError(error, at);
  }
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  for (const key of keys) {
    const where = at ? `${at}.${key}` : key;
    let child: unknown;
    try {
      child = (value as Record<string, unknown>)[key];
    } catch (error) {
      return onError(error, where);
    }
    (copy as Record<string, unknown>)[key] = configSnapshot(child, onError, where);
  }
  return copy;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
