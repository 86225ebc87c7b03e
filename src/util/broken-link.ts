import fs from 'node:fs/promises';

/** "broken symbolic link to /where/it/points" when `file` is a symbolic link whose target does not exist; else undefined. */
export async function brokenLinkText(file: string): Promise<string | undefined> {
  const target = await fs.readlink(file).catch(() => undefined);
  if (target === undefined) return undefined;
  const exists = await fs.stat(file).then(() => true, (error: NodeJS.ErrnoException) => error.code !== 'ENOENT');
  return exists ? undefined : `broken symbolic link to ${target}`;
}
