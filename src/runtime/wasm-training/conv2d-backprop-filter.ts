import type { Conv2DBackpropFilterAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { explicitPad, input, Ops, type KernelArgs, type Tf, type TrainingKernel } from './common.js';
import { filterGradSimd, tapGeometry } from './simd/taps.js';

/**
 * Conv2DBackpropFilter (the wasm backend has none): dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·sh+kh−top, ow·sw+kw−left, ci]
 * · dy[b,oh,ow,co].
 *
 * Computed by the SIMD kernel of simd/taps.ts, which reads x and dy where they lie. Without it (kernels not
 * compiled yet): read with the batch as the channel axis, that sum is itself a convolution: input x transposed to [ci, H, W, b],
 * filter dy transposed to [oh, ow, b, co], the forward stride becoming the dilation. So the work runs in XNNPACK's
 * Conv2D (ms instead of the cpu backend's seconds); the result [ci, kh, kw, co] is transposed back.
 */
export const conv2DBackpropFilter: TrainingKernel = {
  kernelName: 'Conv2DBackpropFilter',
  override: false,
  make(tf: Tf): KernelFunc {
    return ((args: KernelArgs): TensorInfo => {
      const ops = new Ops(tf, args.backend);
      const x = input(args, 'x');
      const dy = input(args, 'dy');
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filterShape,
        strides,
        1,
        pad,
        dimRoundingMode,
        false,
        tf.backend_util.convertConv2DDataFormat(dataFormat),
      );
      if (info.dataFormat !== 'channelsLast') throw new Error(`wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only`);
      const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
      const { top, left } = info.padInfo;
      const simd = filterGradSimd(ops, x, dy, tapGeometry(info));
      if (simd) return simd;
      // Rows/columns the forward conv spans in padded coordinates; what lies beyond the input is bottom/right pad.
      // Input rows past that span were never read (valid padding with a remainder): crop them instead of padding
      // negatively, which XNNPACK cannot do.
      const spanH = KH + (OH - 1) * sh;
      const spanW = KW + (OW - 1) * sw;
      const bottom = spanH - H - top;
      const right = spanW - W - left;
      const cropH = Math.min(H, H + bottom);
      const cropW = Math.min(W, W + right);

      if (KH === 1 && KW === 1 && sh === 1 && sw === 1 && top === 0 && left === 0 && OH === H && OW === W) {
        // A pointwise (1x1) convolution is a matrix product: dW = xᵀ·dy over the b·h·w pixels. As a dilated
        // convolution it would pack all of dy as an (h, w)-sized filter for nothing.
        const n = x.shape[0]! * H * W;
        const ci = x.shape[3]!;
        const co = dy.shape[3]!;
        const g = ops.run('BatchMatMul', { a: ops.reshape(x, [1, n, ci]), b: ops.reshape(dy, [1, n, co]) }, { transposeA: true, transposeB: false });
        return ops.reshape(g, [1, 1, ci, co]);
      }
      const xc = cropH < H || cropW < W ? ops.slice(x, [0, 0, 0, 0], [x.shape[0]!, cropH, cropW, x.shape[3]!]) : x;
      const xT = ops.transpose(xc, [3, 1, 2, 0]); // [ci, H, W, b]
      if (xc !== x) ops.free(xc);
      const dyT = ops.transpose(dy, [1, 2, 0, 3]); // [oh, ow, b, co]
      const g = ops.conv2d(xT, dyT, [1, 1], [sh, sw], explicitPad(top, Math.max(0, bottom), left, Math.max(0, right))); // [ci, KH, KW, co]
      ops.free(xT, dyT);
      if (g.shape[1] !== KH || g.shape[2] !== KW) {
        ops.free(g);
        throw new Error(`wasm Conv2DBackpropFilter: internal shape mismatch ${String(g.shape)} vs filter ${String(filterShape)}`);
      }
      const dW = ops.transpose(g, [1, 2, 0, 3]);
      ops.free(g);
      return dW;
    }) as unknown as KernelFunc;
  },
};
