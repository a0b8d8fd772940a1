import type { DepthwiseConv2dNativeBackpropFilterAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { input, Ops, type KernelArgs, type Tf, type TrainingKernel } from './common.js';
import { depthwiseFilterGradSimd, tapGeometry } from './simd/taps.js';

/**
 * DepthwiseConv2dNativeBackpropFilter (the wasm backend has none):
 * dW[kh,kw,c,m] = Σ_{b,oh,ow} x[b, oh·sh+kh·dh−top, ow·sw+kw·dw−left, c] · dy[b,oh,ow,c·M+m].
 *
 * The SIMD kernel of simd/taps.ts when the channel multiplier is 1 and C a multiple of 4. Otherwise
 * a JS loop (XNNPACK has no depthwise weight-gradient, and as a depthwise convolution dy would be a filter of the
 * whole image): per input row and filter tap, the products along the output columns are summed for four channels
 * at a time in locals. Sums are float64 since a filter tap collects b·oh·ow products, tens of thousands at batch
 * 64, where float32 sums drift.
 */
export const depthwiseBackpropFilter: TrainingKernel = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  override: false,
  make(tf: Tf): KernelFunc {
    return ((args: KernelArgs): TensorInfo => {
      const ops = new Ops(tf, args.backend);
      const xT = input(args, 'x');
      const dyT = input(args, 'dy');
      const { strides, dilations, pad, dimRoundingMode, filterShape } = args.attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
      const info = tf.backend_util.computeConv2DInfo(
        xT.shape as [number, number, number, number],
        filterShape,
        strides,
        dilations ?? 1,
        pad,
        dimRoundingMode,
        true,
      );
      const { batchSize: B, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
      const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
      const { top, left } = info.padInfo;
      const C = info.inChannels;
      const M = info.outChannels / C;
      if (M === 1) {
        const simd = depthwiseFilterGradSimd(ops, xT, dyT, tapGeometry(info));
        if (simd) return simd;
      }
      const CM = C * M;
      const acc = new Float64Array(KH * KW * CM);
      const dWT = ops.alloc([KH, KW, C, M]);
      const x = ops.f32(xT);
      const dy = ops.f32(dyT);
      for (let b = 0; b < B; b++) {
        for (let oh = 0; oh < OH; oh++) {
          const yRow = (b * OH + oh) * OW * CM;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * sh + kh * dh - top;
            if (ih < 0 || ih >= H) continue;
            const xRow = (b * H + ih) * W * C;
            for (let kw = 0; kw < KW; kw++) {
              // Output columns whose tap kw lands inside the input row: iw = ow·sw + kw·dw − left ∈ [0, W).
              const off = kw * dw - left;
              const owLo = Math.max(0, Math.ceil(-off / sw));
              const owHi = Math.min(OW, Math.floor((W - 1 - off) / sw) + 1);
              if (owLo >= owHi) continue;
              const a0 = (kh * KW + kw) * CM;
              if (M === 1) {
                // Four channels at a time with the running sums in locals: two heap reads per product instead of
                // also reading and writing an accumulator array.
                let c = 0;
                for (; c + 4 <= C; c += 4) {
                  let s0 = 0;
                  let s1 = 0;
                  let s2 = 0;
                  let s3 = 0;
                  for (let ow = owLo; ow < owHi; ow++) {
                    const xi = xRow + (ow * sw + off) * C + c;
                    const yi = yRow + ow * C + c;
                    s0 += x[xi]! * dy[yi]!;
                    s1 += x[xi + 1]! * dy[yi + 1]!;
                    s2 += x[xi + 2]! * dy[yi + 2]!;
                    s3 += x[xi + 3]! * dy[yi + 3]!;
                  }
                  acc[a0 + c] = acc[a0 + c]! + s0;
                  acc[a0 + c + 1] = acc[a0 + c + 1]! + s1;
                  acc[a0 + c + 2] = acc[a0 + c + 2]! + s2;
                  acc[a0 + c + 3] = acc[a0 + c + 3]! + s3;
                }
                for (; c < C; c++) {
                  let s0 = 0;
                  for (let ow = owLo; ow < owHi; ow++) s0 += x[xRow + (ow * sw + off) * C + c]! * dy[yRow + ow * C + c]!;
                  acc[a0 + c] = acc[a0 + c]! + s0;
                }
              } else {
                for (let ow = owLo; ow < owHi; ow++) {
                  const x0 = xRow + (ow * sw + off) * C;
                  const y0 = yRow + ow * CM;
                  for (let c = 0; c < C; c++) {
                    const xv = x[x0 + c]!;
                    for (let m = 0; m < M; m++) acc[a0 + c * M + m] = acc[a0 + c * M + m]! + xv * dy[y0 + c * M + m]!;
                  }
                }
              }
            }
          }
        }
      }
      ops.f32(dWT).set(acc);
      return dWT;
    }) as unknown as KernelFunc;
  },
};
