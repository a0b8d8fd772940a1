/**
 * IEEE 754 half precision (Node 20 has no Float16Array), for the teacher cache's feature rows and the tfjs
 * exporter's float16 weights. Encoding rounds to nearest, ties to even, and saturates to ±Infinity above 65504, as
 * hardware conversions do.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The half-precision bits of `v`. */
export function toHalf(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → ±0
    mant |= 0x800000; // subnormal half: shift the implicit bit in
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0)); // a carry may roll into the exponent, which is right
}

let table: Float32Array | undefined;

/** The value of half-precision bits `h` (a lookup table of all 65,536, built on first use). */
export function fromHalf(h: number): number {
  table ??= buildTable();
  return table[h & 0xffff]!;
}

function buildTable(): Float32Array {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    t[h] = e === 0 ? s * m * 2 ** -24 : e === 0x1f ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return t;
}

/** Encodes `src` as halves into `dst`. */
export function encodeHalves(src: Float32Array, dst: Uint16Array): void {
  for (let i = 0; i < src.length; i++) dst[i] = toHalf(src[i]!);
}

/** Decodes halves from `src` into `dst`. */
export function decodeHalves(src: Uint16Array, dst: Float32Array): void {
  table ??= buildTable();
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i]!]!;
}
