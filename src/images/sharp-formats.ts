/**
 * The file suffixes sharp 0.35.5's prebuilt libvips decodes from memory (every `fileSuffix` of every
 * `sharp.format` entry whose input takes a buffer), recorded so that listing them does not load sharp
 * (~340 ms of CPU) on a build that decodes nothing. image-extensions.ts uses the record only while the
 * installed sharp is this version, and asks sharp itself otherwise; test/unit/sharp-formats.test.ts fails
 * when the record and the installed sharp disagree (update both lines from its message).
 */
export const RECORDED_SHARP_VERSION = '0.35.5';

export const RECORDED_SHARP_SUFFIXES: readonly string[] = ['.avif', '.gif', '.jfif', '.jpe', '.jpeg', '.jpg', '.png', '.svg', '.svg.gz', '.svgz', '.tif', '.tiff', '.webp'];
