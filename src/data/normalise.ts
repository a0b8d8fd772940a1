/**
 * uint8 HWC pixels to the float32 values a batch holds: (v / 255 − mean[c]) / std[c] per channel, through a 256-entry
 * table per channel (the same double-precision formula as a direct loop, rounded once to float32). A mean or std of
 * one value applies to every channel (as the teacher's preprocess does); absent: 0 and 1.
 */
export function pixelTable(channels: number, mean: readonly number[] = [], std: readonly number[] = []): Float32Array {
  const pick = (a: readonly number[], ch: number, none: number) => (a.length === 0 ? none : a.length === 1 ? a[0]! : a[ch]!);
  const t = new Float32Array(channels * 256);
  for (let ch = 0; ch < channels; ch++) for (let v = 0; v < 256; v++) t[ch * 256 + v] = (v / 255 - pick(mean, ch, 0)) / pick(std, ch, 1);
  return t;
}

/** Converts `pixels` (interleaved channels) to float32 through a {@link pixelTable}. */
export function normalisePixels(pixels: Uint8Array, channels: number, table: Float32Array, out = new Float32Array(pixels.length)): Float32Array {
  if (channels === 1) {
    for (let i = 0; i < pixels.length; i++) out[i] = table[pixels[i]!]!;
    return out;
  }
  for (let i = 0; i < pixels.length; i += channels) for (let ch = 0; ch < channels; ch++) out[i + ch] = table[ch * 256 + pixels[i + ch]!]!;
  return out;
}
