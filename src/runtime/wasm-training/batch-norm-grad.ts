import type { FusedBatchNormAttrs, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { simdKernels } from './simd/module.js';
import { input, Ops, overrideGradient, type KernelArgs, type Tf, type TrainingKernel } from './common.js';

/** Name of the fused FusedBatchNorm gradient kernel (registered for wasm only). */
export const BATCH_NORM_GRAD_KERNEL = 'EdgeDistillBatchNormGrad';

/**
 * All five gradients of y = (x − mean)·rsqrt(var + ε)·scale + offset with per-channel (last axis) statistics,
 * from two passes over x and dy. With S1 = Σdy and S2 = Σdy·(x − mean) per channel and r = rsqrt(var + ε):
 * dx = dy·scale·r, dmean = −r·scale·S1, dvar = −½·r³·scale·S2, dscale = r·S2, doffset = S1 (tfjs's formulas).
 * tfjs computes them as about thirteen separate passes over the activation (sub, tile, five muls, four sums),
 * the largest cost of a MobileNet-style step on wasm. With C a multiple of 4 the passes are SIMD kernels
 * (simd/wat.ts; float32 sums in 256-row blocks); otherwise JS loops with float64 sums.
 * Outputs: [dx, dmean, dvar, dscale, doffset].
 */
export const batchNormGrad: TrainingKernel = {
  kernelName: BATCH_NORM_GRAD_KERNEL,
  override: false,
  make(tf: Tf): KernelFunc {
    return ((args: KernelArgs): TensorInfo[] => {
      const ops = new Ops(tf, args.backend);
      const dyT = input(args, 'dy');
      const xT = input(args, 'x');
      const meanT = input(args, 'mean');
      const varT = input(args, 'variance');
      const scaleT = args.inputs.scale;
      const { varianceEpsilon } = args.attrs as unknown as FusedBatchNormAttrs;
      const C = meanT.shape[0]!;
      const dxT = ops.alloc(xT.shape);
      const outs = [0, 1, 2, 3].map(() => ops.alloc([C]));
      // Scratch for the SIMD path, allocated with the outputs: an allocation can grow the heap and detach the views.
      const sums = ops.alloc([2, C]);
      const kT = ops.alloc([C]);
      const x = ops.f32(xT);
      const dy = ops.f32(dyT);
      const dx = ops.f32(dxT);
      const mean = ops.f32(meanT);
      const variance = ops.f32(varT);
      const scale = scaleT ? ops.f32(scaleT) : undefined;
      const rows = x.length / C;
      const simd = simdKernels(args.backend);
      let s1: ArrayLike<number>;
      let s2: ArrayLike<number>;
      const r = new Float64Array(C);
      const k = new Float32Array(C);
      for (let c = 0; c < C; c++) {
        r[c] = 1 / Math.sqrt(variance[c]! + varianceEpsilon);
        k[c] = (scale ? scale[c]! : 1) * r[c]!;
      }
      if (simd && C % 4 === 0 && rows > 0) {
        // The same two passes as the loops below, four channels per instruction on the wasm heap.
        ops.f32(sums).fill(0);
        ops.f32(kT).set(k);
        const at = ops.offset(sums);
        simd.batch_norm_grad_sums(ops.offset(xT), ops.offset(dyT), ops.offset(meanT), at, at + C * 4, rows, C);
        simd.scale_channels(ops.offset(dyT), ops.offset(kT), ops.offset(dxT), rows, C);
        const both = Float64Array.from(ops.f32(sums));
        s1 = both.subarray(0, C);
        s2 = both.subarray(C);
      } else {
        const t1 = new Float64Array(C);
        const t2 = new Float64Array(C);
        const mu = Float64Array.from(mean);
        for (let base = 0; base < x.length; base += C) {
          for (let c = 0; c < C; c++) {
            const g = dy[base + c]!;
            t1[c] = t1[c]! + g;
            t2[c] = t2[c]! + g * (x[base + c]! - mu[c]!);
          }
        }
        for (let base = 0; base < x.length; base += C) {
          for (let c = 0; c < C; c++) dx[base + c] = dy[base + c]! * k[c]!;
        }
        s1 = t1;
        s2 = t2;
      }
      const [dMean, dVar, dScale, dOffset] = outs.map((t) => ops.f32(t)) as [Float32Array, Float32Array, Float32Array, Float32Array];
      for (let c = 0; c < C; c++) {
        const sc = scale ? scale[c]! : 1;
        const rc = r[c]!;
        dMean[c] = -rc * sc * s1[c]!;
        dVar[c] = -0.5 * rc * rc * rc * sc * s2[c]!;
        dScale[c] = rc * s2[c]!;
        dOffset[c] = s1[c]!;
      }
      ops.free(sums, kT);
      return [dxT, ...outs];
    }) as unknown as KernelFunc;
  },
};

/**
 * Replaces the FusedBatchNorm gradient, on wasm and for per-channel statistics of a float32 channels-last tensor,
 * with {@link BATCH_NORM_GRAD_KERNEL}; tfjs's own gradient otherwise. The kernel runs when the gradient function
 * is called, not in the per-input thunks: tfjs runs each thunk in its own tidy, which would dispose the outputs
 * that thunk does not return.
 */
export function registerBatchNormGradient(tf: Tf): void {
  overrideGradient(tf, 'FusedBatchNorm', (original) => (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved;
    const g = dy as Tensor;
    const C = x?.shape.at(-1);
    const ok =
      tf.getBackend() === 'wasm' &&
      x &&
      mean &&
      variance &&
      x.dtype === 'float32' &&
      g.dtype === 'float32' &&
      tf.util.arraysEqual(x.shape, g.shape) &&
      [mean, variance, ...(scale ? [scale] : [])].every((t) => t.rank === 1 && t.shape[0] === C && t.dtype === 'float32');
    if (!ok) return original(dy, saved, attrs);
    const inputs: Record<string, Tensor> = { dy: g, x, mean, variance };
    if (scale) inputs.scale = scale;
    const [dx, dMean, dVar, dScale, dOffset] = tf.engine().runKernel(BATCH_NORM_GRAD_KERNEL, inputs, attrs) as Tensor[];
    return { x: () => dx!, mean: () => dMean!, variance: () => dVar!, scale: () => dScale!, offset: () => dOffset! };
  });
}
