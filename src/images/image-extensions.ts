import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type Sharp from 'sharp';
import { RECORDED_SHARP_SUFFIXES, RECORDED_SHARP_VERSION } from './sharp-formats.js';

const require = createRequire(import.meta.url);

/** The suffixes (lower case, sorted) of the formats a sharp decodes from memory. */
export function decodableSuffixes(format: typeof Sharp.format): string[] {
  return Object.values(format)
    .filter((entry) => entry.input.buffer)
    .flatMap((entry) => (entry.input as { fileSuffix?: string[] }).fileSuffix ?? [])
    .map((suffix) => suffix.toLowerCase())
    .sort();
}

/**
 * The installed sharp's version, from its package.json found beside its entry point (sharp does not export
 * `./package.json`), without loading sharp; undefined when it cannot be read.
 */
export function installedSharpVersion(): string | undefined {
  try {
    let dir = path.dirname(require.resolve('sharp'));
    for (;;) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file)) {
        const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (manifest.name === 'sharp') return manifest.version;
      }
      const parent = path.dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  } catch {
    return undefined;
  }
}

/**
 * File extensions read as images, compared case-insensitively: every suffix of every format the installed
 * sharp/libvips decodes from memory (`sharp.format`), so a build that can read TIFF or AVIF reads them and
 * one that cannot (HEIC/HEVC, BMP: not in sharp's prebuilt libvips) reports them. GIFs contribute their
 * first frame.
 */
export const IMAGE_EXTENSIONS: readonly string[] =
  // The recorded list (sharp-formats.ts) while sharp is the version it was taken from: a scan then loads no sharp.
  installedSharpVersion() === RECORDED_SHARP_VERSION ? RECORDED_SHARP_SUFFIXES : decodableSuffixes((require('sharp') as typeof Sharp).format);

export function isImageFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return !lower.startsWith('.') && IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** Names starting with a dot (.DS_Store, editor and sync files) are never images and never reported. */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.');
}
