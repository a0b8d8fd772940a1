/**
 * tfjs weight quantization, following tfjs-converter's Python implementation (quantization.py / write_weights.py):
 * - uint8/uint16: per-tensor affine, value = q·scale + min. scale = (max − min)/qmax over the tensor's own range;
 *   when 0 lies in [min, max] the range is nudged so that 0 is exactly representable (zero padding and ReLU zeros
 *   stay exact), otherwise it is left alone (no forced inclusion of 0). A constant tensor becomes all-zero codes with
 *   scale 1 and min = the constant. Codes are round-half-to-even (numpy.round), after clipping to the nudged range.
 * - float16: IEEE half, round-to-nearest-even (numpy astype), overflow to ±Inf.
 * Only float32 weights are quantized; the manifest keeps dtype 'float32' and adds
 * `quantization: {dtype, min, scale, original_dtype}` (or `{dtype: 'float16', original_dtype}`).
 */
import { encodeHalves, toHalf } from '../../core/float16.js';

export type TfjsQuantDtype = 'uint8' | 'uint16' | 'float16';

/** numpy.round: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Codes and the min/scale that decode them (value = q·scale + min). */
export interface AffineQuantized {
  q: Uint8Array | Uint16Array;
  min: number;
  scale: number;
}

/** Affine uint8/uint16 quantization of one tensor (see the file comment for the exact rules). */
export function quantizeAffine(data: Float32Array, dtype: 'uint8' | 'uint16'): AffineQuantized {
  const qmax = dtype === 'uint8' ? 255 : 65535;
  const q = dtype === 'uint8' ? new Uint8Array(data.length) : new Uint16Array(data.length);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (data.length === 0) return { q, min: 0, scale: 1 };
  if (lo === hi) return { q, min: lo, scale: 1 };
  const scale = (hi - lo) / qmax;
  let min = lo;
  let max = hi;
  if (lo <= 0 && 0 <= hi) {
    min = -roundHalfEven(-lo / scale) * scale;
    max = qmax * scale + min;
  }
  for (let i = 0; i < data.length; i++) {
    const v = Math.min(max, Math.max(min, data[i]!));
    q[i] = Math.min(qmax, Math.max(0, roundHalfEven((v - min) / scale)));
  }
  return { q, min, scale };
}

/** IEEE 754 half-precision bits of `v` (round to nearest even; too large → ±Inf; NaN stays NaN). */
export const float16Bits = toHalf;

/** float32 values → half-precision bits. */
export function toFloat16(data: Float32Array): Uint16Array {
  const out = new Uint16Array(data.length);
  encodeHalves(data, out);
  return out;
}
