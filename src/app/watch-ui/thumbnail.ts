import sharp from 'sharp';
import { MAX_INPUT_PIXELS } from '../../images/decode-image.js';

/**
 * The page's 160-pixel JPEG thumbnail of an image, decoded with the build's pixel limit: an image the build
 * refuses to decode (a decompression bomb, a 12,000 x 12,000 scan) is not decoded for a thumbnail either (sharp's
 * own limit, 268 megapixels, let one take gigabytes); it is `{ error }`, one line naming `shown` (the path as the
 * page asked for it) and its size.
 */
export async function thumbnail(real: string, shown: string): Promise<{ jpeg: Buffer } | { error: string }> {
  try {
    const jpeg = await sharp(real, { pages: 1, failOn: 'none', limitInputPixels: MAX_INPUT_PIXELS }).rotate().resize(160, 160, { fit: 'cover' }).jpeg({ quality: 70 }).toBuffer();
    return { jpeg };
  } catch (error) {
    if (!/pixel limit/i.test((error as Error).message)) throw error;
    // The header alone says the size (nothing is decoded).
    const { width, height } = await sharp(real, { pages: 1, limitInputPixels: false }).metadata().catch(() => ({ width: undefined, height: undefined }));
    const size = width && height ? `${width}x${height}, ` : '';
    return { error: `${shown}: image too large for a thumbnail (${size}over ${MAX_INPUT_PIXELS.toLocaleString('en')} pixels; the build skips it too)` };
  }
}
