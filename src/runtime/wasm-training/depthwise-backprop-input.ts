import type { DepthwiseConv2dNativeBackpropInputAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { explicitPad, input, Ops, type KernelArgs, type Tf, type TrainingKernel } from './common.js';
import { depthwiseInputGradSimd, tapGeometry } from './simd/taps.js';

/**
 * DepthwiseConv2dNativeBackpropInput (the wasm backend has none): dx[b,ih,iw,c] = Σ dy[b,oh,ow,c·M+m] · f[kh,kw,c,m]
 * over the taps with ih = oh·sh + kh·dh − top (and likewise for columns), M the channel multiplier.
 *
 * With multiplier 1 and channels a multiple of 4: the SIMD kernel of simd/taps.ts, which scatters dy over each
 * tap's window (no zero-stuffing). Otherwise: a stride-1 XNNPACK depthwise convolution of dy (zero-stuffed when the forward stride is > 1) with the
 * filter rotated by 180° and the forward dilation, then, for M > 1, a sum over the M outputs of each input channel.
 * Paddings wider than the dilated filter (explicit pads only) take the plain loop, which handles every case.
 */
export const depthwiseBackpropInput: TrainingKernel = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  override: false,
  make(tf: Tf): KernelFunc {
    return ((args: KernelArgs): TensorInfo => {
      const ops = new Ops(tf, args.backend);
      const dy = input(args, 'dy');
      const filter = input(args, 'filter');
      const { strides, dilations, pad, dimRoundingMode, inputShape } = args.attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
      const info = tf.backend_util.computeConv2DInfo(
        inputShape,
        filter.shape as [number, number, number, number],
        strides,
        dilations ?? 1,
        pad,
        dimRoundingMode,
        true,
      );
      const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
      const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
      const C = info.inChannels;
      const M = info.outChannels / C;
      if (M === 1) {
        const simd = depthwiseInputGradSimd(ops, dy, filter, tapGeometry(info));
        if (simd) return simd;
      }
      const uh = (OH - 1) * sh + 1;
      const uw = (OW - 1) * sw + 1;
      const pt = (KH - 1) * dh - info.padInfo.top;
      const pl = (KW - 1) * dw - info.padInfo.left;
      const pb = H - uh + info.padInfo.top;
      const pr = W - uw + info.padInfo.left;
      if (pt < 0 || pl < 0 || pb < 0 || pr < 0) return loop(ops, dy, filter, info.inShape, info, M);

      const up = sh > 1 || sw > 1 ? ops.zeroStuff(dy, sh, sw) : dy;
      const CM = C * M;
      const rot = ops.alloc([KH, KW, CM, 1]);
      const src = ops.f32(filter);
      const dst = ops.f32(rot);
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++) {
          const s0 = ((KH - 1 - kh) * KW + (KW - 1 - kw)) * CM;
          dst.set(src.subarray(s0, s0 + CM), (kh * KW + kw) * CM);
        }
      }
      const full = ops.depthwise(up, rot, [1, 1], [dh, dw], explicitPad(pt, pb, pl, pr)); // [b, H, W, C·M]
      ops.free(rot);
      if (up !== dy) ops.free(up);
      if (M === 1) return full;
      const dx = ops.alloc(info.inShape);
      const a = ops.f32(full);
      const o = ops.f32(dx);
      for (let i = 0, j = 0; i < o.length; i++) {
        let s = 0;
        for (let m = 0; m < M; m++) s += a[j++]!;
        o[i] = s;
      }
      ops.free(full);
      return dx;
    }) as unknown as KernelFunc;
  },
};

type Info = ReturnType<Tf['backend_util']['computeConv2DInfo']>;

/** Direct scatter over dy: correct for every padding, stride, dilation and multiplier; used where the fast path is not. */
function loop(ops: Ops, dyT: TensorInfo, fT: TensorInfo, inShape: number[], info: Info, M: number): TensorInfo {
  const { batchSize: B, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const C = info.inChannels;
  const CM = C * M;
  const acc = new Float64Array(B * H * W * C);
  const dxT = ops.alloc(inShape);
  const dy = ops.f32(dyT);
  const f = ops.f32(fT);
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const y0 = ((b * OH + oh) * OW + ow) * CM;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * sh + kh * dh - top;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sw + kw * dw - left;
            if (iw < 0 || iw >= W) continue;
            const x0 = ((b * H + ih) * W + iw) * C;
            const f0 = (kh * KW + kw) * CM;
            for (let c = 0; c < C; c++) {
              let s = 0;
              for (let m = 0; m < M; m++) s += dy[y0 + c * M + m]! * f[f0 + c * M + m]!;
              acc[x0 + c] = acc[x0 + c]! + s;
            }
          }
        }
      }
    }
  }
  ops.f32(dxT).set(acc);
  return dxT;
}
