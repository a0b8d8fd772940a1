import type { ClipByValueAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { simdKernels } from './simd/module.js';
import { fuseUnaryGradient, input, Ops, type KernelArgs, type Tf, type TrainingKernel } from './common.js';

/** Name of the fused ClipByValue gradient kernel (registered for wasm only). */
export const CLIP_GRAD_KERNEL = 'EdgeDistillClipByValueGrad';

/**
 * dx = dy where clipValueMin ≤ x ≤ clipValueMax, else 0, in one pass. tfjs's gradient of ClipByValue (ReLU6 in
 * every MobileNet-style block) is five kernels: greaterEqual, lessEqual, logicalAnd, zerosLike and where, each a
 * full pass over the activation with broadcasting of a scalar, together about a tenth of such a step on wasm.
 */
export const clipByValueGrad: TrainingKernel = {
  kernelName: CLIP_GRAD_KERNEL,
  override: false,
  make(tf: Tf): KernelFunc {
    return ((args: KernelArgs): TensorInfo => {
      const dyT = input(args, 'dy');
      const xT = input(args, 'x');
      const { clipValueMin: lo, clipValueMax: hi } = args.attrs as unknown as ClipByValueAttrs;
      const ops = new Ops(tf, args.backend);
      const outT = ops.alloc(dyT.shape);
      const x = ops.f32(xT);
      const dy = ops.f32(dyT);
      const out = ops.f32(outT);
      const simd = simdKernels(args.backend);
      // The SIMD kernel takes whole vectors; the loop does the rest (all of it without the kernel).
      const n4 = simd ? out.length - (out.length % 4) : 0;
      if (simd && n4 > 0) simd.clip_grad(ops.offset(xT), ops.offset(dyT), ops.offset(outT), n4, lo, hi);
      for (let i = n4; i < out.length; i++) {
        const v = x[i]!;
        out[i] = v >= lo && v <= hi ? dy[i]! : 0;
      }
      return outT;
    }) as unknown as KernelFunc;
  },
};

/**
 * Replaces the ClipByValue gradient with one that runs {@link CLIP_GRAD_KERNEL} when the active backend is wasm and
 * the operands are float32 of equal shape, and tfjs's own gradient otherwise (so other backends are unchanged).
 */
export function registerClipByValueGradient(tf: Tf): void {
  fuseUnaryGradient(tf, 'ClipByValue', CLIP_GRAD_KERNEL);
}

/** The smallest positive float32: x ≥ it is x > 0 for every float32 x. */
const SMALLEST_POSITIVE_F32 = 1.401298464324817e-45;

/**
 * Replaces the Relu gradient, mul(dy, step(x)) in tfjs (two passes), with {@link CLIP_GRAD_KERNEL} over
 * (0, +∞) (one pass) on wasm for float32 operands of equal shape; tfjs's own gradient otherwise.
 */
export function registerReluGradient(tf: Tf): void {
  fuseUnaryGradient(tf, 'Relu', CLIP_GRAD_KERNEL, () => ({ clipValueMin: SMALLEST_POSITIVE_F32, clipValueMax: Infinity }));
}
