import type { DepthwiseConv2dNativeBackpropFilterAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { input, Ops, type KernelArgs, type Tf, type TrainingKernel } from './common.js';

/**
 * DepthwiseConv2dNativeBackpropFilter (the wasm backend has none):
 * dW[kh,kw,c,m] = Σ_{b,oh,ow} x[b, oh·sh+kh·dh−top, ow·sw+kw·dw−left, c] · dy[b,oh,ow,c·M+m].
 *
 * A loop over dy in memory order whose innermost loop runs along the contiguous channel axis of both x and dy, so
 * each step reads two rows of the heap sequentially. It sums in float64 (one accumulator per filter element) since
 * a filter tap collects b·oh·ow products, tens of thousands at batch 64, where float32 sums drift.
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
      const CM = C * M;
      const acc = new Float64Array(KH * KW * CM);
      const dWT = ops.alloc([KH, KW, C, M]);
      const x = ops.f32(xT);
      const dy = ops.f32(dyT);
      for (let b = 0; b < B; b++) {
        for (let oh = 0; oh < OH; oh++) {
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * sh + kh * dh - top;
            if (ih < 0 || ih >= H) continue;
            for (let ow = 0; ow < OW; ow++) {
              const y0 = ((b * OH + oh) * OW + ow) * CM;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * sw + kw * dw - left;
                if (iw < 0 || iw >= W) continue;
                const x0 = ((b * H + ih) * W + iw) * C;
                const a0 = (kh * KW + kw) * CM;
                if (M === 1) {
                  for (let c = 0; c < C; c++) acc[a0 + c] = acc[a0 + c]! + x[x0 + c]! * dy[y0 + c]!;
                } else {
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
