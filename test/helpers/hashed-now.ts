import { statSync } from 'node:fs';

/**
 * Images with the size and modification time their files have now, as if hashed now (what the hash stage hands the
 * stage record). A file that is not there gets `missing` (default: size 0, time 0).
 */
export function hashedNow<T extends { path: string }>(images: readonly T[], missing = { size: 0, mtimeMs: 0 }): Array<T & { size: number; mtimeMs: number }> {
  return images.map((image) => {
    const stat = statSync(image.path, { throwIfNoEntry: false });
    return { ...image, ...(stat ? { size: stat.size, mtimeMs: stat.mtimeMs } : missing) };
  });
}
