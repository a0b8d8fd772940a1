/**
 * One image file to uint8 HWC pixels of the input shape: EXIF orientation applied, grey↔RGB, CMYK and 16-bit
 * converted (or refused under strict), then resized by aspect-preserving centre crop or by stretching.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../core/errors.js';
import { readImageHeader } from './image-header.js';

export type ResizeMode = 'crop' | 'stretch';

/** What every image is decoded to. */
export interface DecodeTarget {
  height: number;
  width: number;
  channels: 1 | 3;
  resize: ResizeMode;
}

/** Conversions the decode applied to an image, counted and reported once per pass. */
export const CONVERSIONS = ['greyToRgb', 'colourToGrey', 'cmyk', 'highDepth'] as const;
export type Conversion = (typeof CONVERSIONS)[number];

/** An image that cannot be decoded (unreadable, corrupt, not an image); skipped unless strict. */
export class UnreadableImage extends Error {
  override name = 'UnreadableImage';
  /** libvips's reason on one line: it repeats lines ("VipsJpeg: premature end of JPEG image" once per pass). */
  readonly reason: string;
  constructor(
    readonly file: string,
    reason: string,
  ) {
    const lines = [...new Set(reason.split('\n').map((l) => l.trim()).filter(Boolean))];
    const oneLine = lines.join('; ');
    super(`${file}: cannot be decoded as an image (${oneLine})`);
    this.reason = oneLine;
  }
}

/** The decoded pixels (h·w·c bytes) and what was converted on the way. */
export interface Decoded {
  pixels: Uint8Array;
  conversions: Conversion[];
}

interface Kind {
  grey: boolean;
  cmyk: boolean;
  highDepth: boolean;
}

type Sharp = typeof import('sharp').default;
let sharpModule: Promise<Sharp> | undefined;
const loadSharp = () => (sharpModule ??= import('sharp').then((m) => m.default));

/** The header's answer, or sharp's metadata for files the header reader does not follow (one more call). */
async function kindOf(sharp: Sharp, bytes: Buffer): Promise<Kind> {
  const h = readImageHeader(bytes);
  if (h) return { grey: h.colourChannels === 1, cmyk: h.colourChannels === 4, highDepth: h.bitDepth > 8 };
  const m = await sharp(bytes).metadata();
  const colour = (m.channels ?? 3) - (m.hasAlpha ? 1 : 0);
  return { grey: colour === 1, cmyk: m.space === 'cmyk', highDepth: m.depth !== undefined && m.depth !== 'uchar' && m.depth !== 'char' };
}

/**
 * Decodes `file` to `target` (uint8, HWC, row-major). Unreadable files throw {@link UnreadableImage}; under `strict`,
 * a CMYK or 16-bit image is a {@link UserError} naming the file (without it, it is converted to 8-bit sRGB).
 */
export async function decodeImage(file: string, target: DecodeTarget, strict = false): Promise<Decoded> {
  const sharp = await loadSharp();
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new UnreadableImage(file, (e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
  const { height: h, width: w, channels: c } = target;
  try {
    const kind = await kindOf(sharp, bytes);
    if (strict && kind.cmyk) throw new UserError(`${file}: is a CMYK image; convert it to 8-bit sRGB (e.g. with ImageMagick: convert IN -colorspace sRGB OUT) or drop --strict to convert it on load`);
    if (strict && kind.highDepth) throw new UserError(`${file}: has more than 8 bits per sample; convert it to 8 bits or drop --strict to reduce it on load`);
    const conversions: Conversion[] = [];
    if (kind.cmyk) conversions.push('cmyk');
    if (kind.highDepth) conversions.push('highDepth');
    if (c === 3 && kind.grey) conversions.push('greyToRgb');
    if (c === 1 && !kind.grey) conversions.push('colourToGrey');
    // rotate() with no angle applies the EXIF orientation, before the crop, so the crop sees the upright image.
    let img = sharp(bytes).rotate().resize(w, h, target.resize === 'crop' ? { fit: 'cover', position: 'centre' } : { fit: 'fill' }).removeAlpha();
    img = c === 1 ? img.grayscale() : img.toColourspace('srgb');
    const { data, info } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== c || info.width !== w || info.height !== h || data.length !== h * w * c) {
      throw new Error(`decoded ${info.width}x${info.height}x${info.channels}, expected ${w}x${h}x${c}`);
    }
    return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.length), conversions };
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UnreadableImage(file, (e as Error).message);
  }
}

const CONVERSION_TEXT: Record<Conversion, string> = {
  greyToRgb: 'grey, converted to RGB',
  colourToGrey: 'in colour, converted to grey (the input shape has 1 channel)',
  cmyk: 'CMYK, converted to sRGB',
  highDepth: 'of more than 8 bits per sample, reduced to 8',
};
const REFUSED_BY_STRICT = new Set<Conversion>(['cmyk', 'highDepth']);

/** One line per conversion that happened, e.g. "12 images were grey, converted to RGB". */
export function describeConversions(counts: Partial<Record<Conversion, number>>, first: Partial<Record<Conversion, string>> = {}): string[] {
  return CONVERSIONS.filter((k) => (counts[k] ?? 0) > 0).map((k) => {
    const n = counts[k]!;
    const eg = first[k] ? ` (first: ${first[k]})` : '';
    return `${n} image${n === 1 ? ' was' : 's were'} ${CONVERSION_TEXT[k]}${eg}${REFUSED_BY_STRICT.has(k) ? '; --strict refuses them' : ''}`;
  });
}

/** The same for a pass that cannot count ahead (no decode cache): said once, at the first such image. */
export function describeFirstConversion(k: Conversion, file: string): string {
  return `some images are ${CONVERSION_TEXT[k]} (first: ${file})${REFUSED_BY_STRICT.has(k) ? '; --strict refuses them' : ''}`;
}
