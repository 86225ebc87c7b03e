import type Sharp from 'sharp';
import type { AugmentSpec } from '../core/distortions.js';
import type { ResizeMode } from '../config/define-config.js';

/** `central-crop` keeps this share of the square centre crop: 224 of 256, as torchvision and TF-slim evaluate ImageNet. */
export const CENTRAL_FRACTION = 0.875;

/** Largest image accepted, in pixels: refuses decompression bombs before they are decoded. */
export const MAX_INPUT_PIXELS = 100_000_000;

// The version of the decode + resize recipe below is PREPROCESS_VERSION in src/store/keys.ts: bump it
// whenever its output could change.

/** sharp (libvips), loaded by the first decode: a build whose vectors are all cached never loads it. */
let sharp: typeof Sharp;
async function loadSharp(): Promise<void> {
  sharp ??= (await import('sharp')).default;
}

export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';

  /** True when the failure may not be the image's fault (libvips lost its message to another thread). */
  get transient(): boolean {
    return /unknown error/i.test(this.message);
  }
}

/**
 * Decodes image bytes to height×width×3 RGB bytes: EXIF orientation applied, alpha dropped, colour
 * converted to sRGB (grayscale, CMYK, 16-bit all end as 8-bit RGB), animated images use frame 0,
 * then a bilinear resize to exactly the model's input: `crop` cuts the centre at the input's aspect ratio
 * first, `stretch` squeezes the whole image (the original's way). With `augment`, the distorted variant
 * (see `decodeVariants`).
 */
export async function decodeImage(bytes: Uint8Array, size: [number, number], resize: ResizeMode, augment?: AugmentSpec): Promise<Uint8Array> {
  if (augment) return (await decodeVariants(bytes, size, resize, [augment]))[0]!;
  await loadSharp();
  return withRetry(bytes, () => sharpPixels(decoder(bytes), size, resize));
}

/**
 * Distorted variants of one image, decoded once: the image is decoded to sRGB pixels, and each variant
 * is resized from those (to a larger size than the input) and cropped, flipped and brightened. The result
 * does not depend on which other variants are asked for at the same time.
 */
export async function decodeVariants(bytes: Uint8Array, size: [number, number], resize: ResizeMode, augments: AugmentSpec[]): Promise<Uint8Array[]> {
  // A big photo is shrunk while it is decoded (JPEG shrink-on-load) to twice the largest variant's size,
  // so memory stays small; photos smaller than that are kept as they are.
  await loadSharp();
  const scale = 2 * Math.max(1, ...augments.map((a) => a.scale));
  const base = () =>
    decoder(bytes)
      .resize(Math.ceil(size[1] * scale), Math.ceil(size[0] * scale), { fit: 'outside', withoutEnlargement: true, kernel: 'linear' })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  const { data, info } = await withRetry(bytes, base);
  const raw = { width: info.width, height: info.height, channels: info.channels };
  return Promise.all(augments.map((augment) => withRetry(bytes, () => sharpPixels(sharp(data, { raw }), size, resize, augment))));
}

/** An image's bytes opened for decoding: oriented, sRGB, no alpha, first frame, pixel limit checked. */
function decoder(bytes: Uint8Array) {
  if (bytes.byteLength === 0) throw new ImageDecodeError('empty file (0 bytes)');
  return sharp(bytes, { failOn: 'truncated', limitInputPixels: MAX_INPUT_PIXELS, pages: 1 }).rotate().toColourspace('srgb').removeAlpha();
}

/** Runs a decode, turning sharp's errors into one-line ImageDecodeErrors. */
async function withRetry<T>(bytes: Uint8Array, decode: () => Promise<T>): Promise<T> {
  try {
    return await asDecodeError(decode, bytes);
  } catch (error) {
    if (!(error instanceof ImageDecodeError) || !/unknown error/i.test(error.message)) throw error;
    // libvips keeps one error buffer per process: with several threads decoding at once a failure can
    // arrive as "Unknown error". Try once more for the real reason, else say what the bytes show.
    try {
      return await asDecodeError(decode, bytes);
    } catch (again) {
      if (again instanceof ImageDecodeError && /unknown error/i.test(again.message) && isTruncatedJpeg(bytes)) {
        throw new ImageDecodeError('truncated or corrupt image (JPEG ends before its end-of-image marker)');
      }
      throw again;
    }
  }
}

async function asDecodeError<T>(decode: () => Promise<T>, bytes: Uint8Array): Promise<T> {
  try {
    return await decode();
  } catch (error) {
    if (error instanceof ImageDecodeError) throw error;
    throw new ImageDecodeError(describeSharpError(error as Error, bytes));
  }
}

/** Resizes (and, with `augment`, distorts) an opened image to exactly height×width×3 bytes. */
async function sharpPixels(opened: ReturnType<typeof sharp>, [height, width]: [number, number], resize: ResizeMode, augment?: AugmentSpec): Promise<Uint8Array> {
  // A distortion resizes to a larger size first and crops a window of the input size out of it.
  const scale = augment?.scale ?? 1;
  const [scaledH, scaledW] = [Math.max(height, Math.round(height * scale)), Math.max(width, Math.round(width * scale))];
  let image: ReturnType<typeof sharp>;
  if (resize === 'central-crop') {
    // torchvision's ImageNet evaluation: shorter side to 256, centre 224×224 (the central 87.5%).
    const [outerH, outerW] = [Math.round(scaledH / CENTRAL_FRACTION), Math.round(scaledW / CENTRAL_FRACTION)];
    const centre = await opened.resize(outerW, outerH, { fit: 'cover', position: 'centre', kernel: 'linear' }).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const raw = { width: centre.info.width, height: centre.info.height, channels: centre.info.channels };
    image = sharp(centre.data, { raw }).extract({ left: Math.floor((outerW - scaledW) / 2), top: Math.floor((outerH - scaledH) / 2), width: scaledW, height: scaledH });
  } else {
    image = opened.resize(scaledW, scaledH, { fit: resize === 'crop' ? 'cover' : 'fill', position: 'centre', kernel: 'linear' });
  }
  if (augment) {
    const left = Math.round(augment.offsetX * (scaledW - width));
    const top = Math.round(augment.offsetY * (scaledH - height));
    if (scaledW !== width || scaledH !== height) image = image.extract({ left, top, width, height });
    if (augment.flip) image = image.flop();
    if (augment.brightness !== 1) image = image.linear(augment.brightness, 0);
  }
  const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || data.byteLength !== height * width * 3) {
    throw new ImageDecodeError(`decoded to ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x3`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Turns libvips' multi-line messages into one short reason. */
function describeSharpError(error: Error, bytes: Uint8Array): string {
  const message = error.message.split('\n').map((l) => l.trim()).filter(Boolean);
  const first = message[0] ?? 'cannot decode';
  // libheif's real reason comes last, after lines of "bad seek to N"; the prebuilt libvips decodes AVIF only.
  const missing = /compression format has not been built in: (\w+)/i.exec(message.join(' '))?.[1];
  if (isHevcHeif(bytes) && (missing || /bad seek|unknown error/i.test(first))) {
    return 'HEIC image (HEVC-compressed), which the installed libvips cannot decode: convert it to JPEG or PNG (e.g. heif-convert)';
  }
  if (missing) return `${missing}-compressed image, which the installed libvips cannot decode: convert it to JPEG or PNG`;
  if (/unsupported image format/i.test(first)) return 'not an image (unsupported or unrecognised format)';
  if (/pixel limit/i.test(first)) return `image too large (over ${MAX_INPUT_PIXELS.toLocaleString('en')} pixels)`;
  if (/premature end|truncated|unexpected end|read error|out of data/i.test(message.join(' '))) return `truncated or corrupt image (${first})`;
  return `cannot decode (${first})`;
}

/** An ISO-BMFF file (`ftyp` box first) whose major brand is one of HEIF's HEVC brands (an iPhone .heic). */
function isHevcHeif(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 12) return false;
  const text = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  return text(4, 8) === 'ftyp' && ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs'].includes(text(8, 12));
}

/** A JPEG (starts with FF D8) whose last two bytes are not the end-of-image marker FF D9. */
function isTruncatedJpeg(bytes: Uint8Array): boolean {
  const n = bytes.byteLength;
  return n >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && !(bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9);
}
