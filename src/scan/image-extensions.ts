/** File extensions read as images, compared case-insensitively. GIFs contribute their first frame. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.gif'] as const;

export function isImageFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return !lower.startsWith('.') && IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}
