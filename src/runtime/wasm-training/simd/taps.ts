import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import type { Ops } from '../common.js';
import { MAX_TILE_ACCUMULATORS } from './wat.js';
import { memoryBytes, simdKernels } from './module.js';

/** Where a convolution's filter taps read x: everything the weight gradient needs besides the tensors. */
export interface FilterGradGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  top: number;
  left: number;
}

/** The geometry of a convolution as tfjs's computeConv2DInfo describes it (depthwise or not). */
export function tapGeometry(info: backend_util.Conv2DInfo): FilterGradGeometry {
  return { ...info, batch: info.batchSize, top: info.padInfo.top, left: info.padInfo.left };
}

/**
 * Picks the largest register tile (ci rows × co vectors) for this layer by a rough cycle count per pixel: each tile
 * costs its multiply-adds (2 per accumulator, 4 vector ops a cycle) or its loads (mr + nr, 2 a cycle), whichever
 * bounds, plus loop overhead; tails at the channel ends count as the smaller tiles they are.
 */
export function chooseTile(ci: number, vectors: number): [number, number] {
  let best: [number, number] = [1, 1];
  let bestCost = Infinity;
  for (let mr = 1; mr <= 4; mr++) {
    for (let nr = 1; nr <= 4; nr++) {
      if (mr * nr > MAX_TILE_ACCUMULATORS) continue;
      let cost = 0;
      for (let c = 0; c < ci; c += mr) {
        const m = Math.min(mr, ci - c);
        for (let v = 0; v < vectors; v += nr) {
          const n = Math.min(nr, vectors - v);
          cost += Math.max((2 * m * n) / 4, (m + n) / 2) + 1.5;
        }
      }
      if (cost < bestCost) {
        bestCost = cost;
        best = [mr, nr];
      }
    }
  }
  return best;
}

/**
 * Fills the per-tap table the SIMD weight-gradient drivers read (5 i32 per tap): for each filter tap the output
 * window whose reads fall inside x (so padding costs nothing in the inner loop) as x's and dy's byte offsets of its
 * first pixel within an image, its rows and columns, and the byte offset of the tap's accumulators.
 */
function writeTapTable(ops: Ops, table: TensorInfo, g: FilterGradGeometry, xChannels: number, dyChannels: number, accBytesPerTap: number): void {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = g;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, top, left } = g;
  const t = ops.backend.typedArrayFromHeap(table) as Int32Array;
  for (let kh = 0; kh < KH; kh++) {
    const rowShift = kh * dh - top; // ih = oh·sh + rowShift
    const ohLo = Math.max(0, Math.ceil(-rowShift / sh));
    const ohHi = Math.min(OH, Math.floor((H - 1 - rowShift) / sh) + 1);
    for (let kw = 0; kw < KW; kw++) {
      const colShift = kw * dw - left;
      const owLo = Math.max(0, Math.ceil(-colShift / sw));
      const owHi = Math.min(OW, Math.floor((W - 1 - colShift) / sw) + 1);
      const e = (kh * KW + kw) * 5;
      const rows = Math.max(0, ohHi - ohLo);
      const cols = Math.max(0, owHi - owLo);
      t[e] = rows && cols ? ((ohLo * sh + rowShift) * W + (owLo * sw + colShift)) * xChannels * 4 : 0;
      t[e + 1] = rows && cols ? (ohLo * OW + owLo) * dyChannels * 4 : 0;
      t[e + 2] = rows;
      t[e + 3] = cols;
      t[e + 4] = (kh * KW + kw) * accBytesPerTap;
    }
  }
}

/**
 * dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·sh+kh·dh−top, ow·sw+kw·dw−left, ci] · dy[b,oh,ow,co], computed in place on the
 * wasm heap by the SIMD `conv_filter_grad` kernel, which sums x ⊗ dy over each tap's valid window. Returns the
 * [KH, KW, CI, CO] gradient, or undefined when the SIMD kernels are not available here (the caller falls back).
 */
export function filterGradSimd(ops: Ops, x: TensorInfo, dy: TensorInfo, g: FilterGradGeometry): TensorInfo | undefined {
  const k = simdKernels(ops.backend);
  if (!k || x.dtype !== 'float32' || dy.dtype !== 'float32') return undefined;
  const { batch: B, inHeight: H, inWidth: W, inChannels: CI, outHeight: OH, outWidth: OW, outChannels: CO } = g;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = g;
  const CO4 = Math.ceil(CO / 4) * 4;
  const taps = KH * KW;
  const out = ops.alloc([KH, KW, CI, CO]);
  const acc = CO4 === CO ? out : ops.alloc([taps * CI, CO4]);
  const table = ops.alloc([taps * 5], 'int32');
  // The last co vector of a row reads CO4 − CO floats past it: inside dy except after its very last pixel, where it
  // must still be inside the heap (it is, unless dy ends the heap; then take the fallback).
  if (CO4 !== CO && ops.offset(dy) + B * OH * OW * CO * 4 + 16 > memoryBytes(ops.backend)) {
    ops.free(out, acc === out ? undefined : acc, table);
    return undefined;
  }
  ops.f32(acc).fill(0);
  writeTapTable(ops, table, g, CI, CO, CI * CO4 * 4);
  const [mr, nr] = chooseTile(CI, CO4 / 4);
  k.conv_filter_grad(ops.offset(x), ops.offset(dy), ops.offset(acc), ops.offset(table), taps, B, H * W * CI * 4, OH * OW * CO * 4, sh * W * CI * 4, sw * CI * 4, OW * CO * 4, CO * 4, CI, CO4, mr, nr);
  ops.free(table);
  if (acc !== out) {
    const a = ops.f32(acc);
    const o = ops.f32(out);
    for (let r = 0; r < taps * CI; r++) o.set(a.subarray(r * CO4, r * CO4 + CO), r * CO);
    ops.free(acc);
  }
  return out;
}

/**
 * Depthwise weight gradient (channel multiplier 1, C a multiple of 4): dW[kh,kw,c] = Σ_{b,oh,ow}
 * x[b, oh·sh+kh·dh−top, ow·sw+kw·dw−left, c] · dy[b,oh,ow,c], by the SIMD `depthwise_filter_grad` kernel over the
 * same tap table. Returns [KH, KW, C, 1], or undefined when it does not apply (the caller falls back).
 */
export function depthwiseFilterGradSimd(ops: Ops, x: TensorInfo, dy: TensorInfo, g: FilterGradGeometry): TensorInfo | undefined {
  return depthwiseTaps(ops, 'depthwise_filter_grad', x, dy, [g.filterHeight, g.filterWidth, g.inChannels, 1], g);
}

/**
 * Depthwise input gradient (channel multiplier 1, C a multiple of 4): dx[b,ih,iw,c] = Σ dy[b,oh,ow,c] · w[kh,kw,c]
 * over the taps with ih = oh·sh + kh·dh − top (likewise for columns), by the SIMD `depthwise_input_grad` kernel
 * over the same tap table (x's side of the table addresses dx). Returns dx shaped like the forward input, or
 * undefined when it does not apply (the caller falls back).
 */
export function depthwiseInputGradSimd(ops: Ops, dy: TensorInfo, filter: TensorInfo, g: FilterGradGeometry): TensorInfo | undefined {
  return depthwiseTaps(ops, 'depthwise_input_grad', filter, dy, [g.batch, g.inHeight, g.inWidth, g.inChannels], g);
}

/**
 * Runs one of the two depthwise tap drivers. The driver's x side addresses `outShape`'s tensor for the input
 * gradient and `xOrFilter` (x) for the weight gradient; its accumulator side the other way round.
 */
function depthwiseTaps(
  ops: Ops,
  kernel: 'depthwise_filter_grad' | 'depthwise_input_grad',
  xOrFilter: TensorInfo,
  dy: TensorInfo,
  outShape: number[],
  g: FilterGradGeometry,
): TensorInfo | undefined {
  const k = simdKernels(ops.backend);
  const C = g.inChannels;
  if (!k || xOrFilter.dtype !== 'float32' || dy.dtype !== 'float32' || C % 4 !== 0 || g.outChannels !== C) return undefined;
  const taps = g.filterHeight * g.filterWidth;
  const out = ops.zeros(outShape);
  const table = ops.alloc([taps * 5], 'int32');
  writeTapTable(ops, table, g, C, C, C * 4);
  const [xSide, accSide] = kernel === 'depthwise_filter_grad' ? [xOrFilter, out] : [out, xOrFilter];
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = g;
  k[kernel](ops.offset(xSide), ops.offset(dy), ops.offset(accSide), ops.offset(table), taps, g.batch, H * W * C * 4, OH * OW * C * 4, g.strideHeight * W * C * 4, g.strideWidth * C * 4, OW * C * 4, C * 4, C);
  ops.free(table);
  return out;
}
