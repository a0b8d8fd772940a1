/**
 * What an image file's first bytes say about its pixels (JPEG SOF, PNG IHDR, WebP), read without decoding: it tells
 * the decode pass which images are grey, CMYK or of more than 8 bits, without a second sharp call per image (sharp's
 * metadata() costs about a quarter of a 32x32 JPEG's decode).
 */

/** Colour layout and depth of an image, as its header declares them. */
export interface ImageHeader {
  format: 'jpeg' | 'png' | 'webp';
  /** Colour channels without alpha: 1 grey, 3 colour, 4 CMYK (or YCCK). */
  colourChannels: 1 | 3 | 4;
  /** Bits per sample (JPEG precision, PNG bit depth; WebP is always 8). */
  bitDepth: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function png(b: Uint8Array): ImageHeader | undefined {
  // IHDR is the first chunk: length (4), type (4), width (4), height (4), bit depth, colour type.
  if (b.length < 26 || String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!) !== 'IHDR') return undefined;
  const depth = b[24]!;
  const type = b[25]!;
  // Colour types: 0 grey, 2 RGB, 3 palette (RGB entries), 4 grey + alpha, 6 RGBA.
  const colourChannels = type === 0 || type === 4 ? 1 : type === 2 || type === 3 || type === 6 ? 3 : undefined;
  if (!colourChannels) return undefined;
  return { format: 'png', colourChannels, bitDepth: type === 3 ? 8 : depth };
}

// Start-of-frame markers (baseline, extended, progressive, lossless, arithmetic); C4, C8 and CC are not frames.
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function jpeg(b: Uint8Array): ImageHeader | undefined {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return undefined;
    while (b[i] === 0xff && i < b.length) i++; // fill bytes
    const marker = b[i++]!;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (marker === 0xda || marker === 0xd9) return undefined; // scan or end before any frame header
    if (i + 2 > b.length) return undefined;
    const len = (b[i]! << 8) | b[i + 1]!;
    if (isSof(marker)) {
      if (i + 8 > b.length) return undefined;
      const precision = b[i + 2]!;
      const components = b[i + 7]!;
      const colourChannels = components === 1 ? 1 : components === 3 ? 3 : components === 4 ? 4 : undefined;
      return colourChannels ? { format: 'jpeg', colourChannels, bitDepth: precision } : undefined;
    }
    i += len;
  }
  return undefined;
}

/** Reads the header of a JPEG, PNG or WebP held in `b`; undefined for anything else or a header it cannot follow. */
export function readImageHeader(b: Uint8Array): ImageHeader | undefined {
  if (b.length >= 8 && PNG_SIGNATURE.every((v, i) => b[i] === v)) return png(b);
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return jpeg(b);
  if (b.length >= 12 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP') return { format: 'webp', colourChannels: 3, bitDepth: 8 }; // lossy and lossless WebP: 8-bit colour
  return undefined;
}
