import sharp from 'sharp';

/**
 * File extensions read as images, compared case-insensitively: every suffix of every format the installed
 * sharp/libvips decodes from memory (`sharp.format`), so a build that can read TIFF or AVIF reads them and
 * one that cannot (HEIC/HEVC, BMP: not in sharp's prebuilt libvips) reports them. GIFs contribute their
 * first frame.
 */
export const IMAGE_EXTENSIONS: readonly string[] = Object.values(sharp.format)
  .filter((format) => format.input.buffer)
  .flatMap((format) => (format.input as { fileSuffix?: string[] }).fileSuffix ?? [])
  .map((suffix) => suffix.toLowerCase())
  .sort();

export function isImageFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return !lower.startsWith('.') && IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** Names starting with a dot (.DS_Store, editor and sync files) are never images and never reported. */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.');
}
