/** Where a remote cache lives: a bucket and a key prefix (no leading or trailing slash; may be empty). */
export interface RemoteLocation {
  bucket: string;
  prefix: string;
}

/**
 * `s3://bucket/prefix` → bucket and prefix. Throws one line naming `source` (the flag, variable or config
 * field the URL came from) and the expected form.
 */
export function parseRemoteUrl(url: string, source: string): RemoteLocation {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url.trim());
  if (!match) throw new Error(`${source}: "${url}" is not a remote cache URL; expected s3://bucket/prefix (bucket: 3-63 lower-case letters, digits, dots, hyphens)`);
  return { bucket: match[1]!, prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, '') };
}
