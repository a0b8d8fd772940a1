import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { fuseUnaryGradient, input, Ops, type KernelArgs, type Tf, type TrainingKernel } from './common.js';
import { simdKernels } from './simd/module.js';

/** Name of the fused Square gradient kernel (registered for wasm only). */
export const SQUARE_GRAD_KERNEL = 'EdgeDistillSquareGrad';

/**
 * dx = dy · (x · 2) in one pass (x + x is x · 2 exactly, so the bits equal tfjs's mul(dy, mul(x, 2)), its two
 * passes). Every BatchNorm layer in training mode squares its whole input for the variance.
 */
export const squareGrad: TrainingKernel = {
  kernelName: SQUARE_GRAD_KERNEL,
  override: false,
  make(tf: Tf): KernelFunc {
    return ((args: KernelArgs): TensorInfo => {
      const dyT = input(args, 'dy');
      const xT = input(args, 'x');
      const ops = new Ops(tf, args.backend);
      const outT = ops.alloc(dyT.shape);
      const n = tf.util.sizeFromShape(dyT.shape);
      const simd = simdKernels(args.backend);
      const n4 = simd ? n - (n % 4) : 0;
      if (simd && n4 > 0) simd.square_grad(ops.offset(xT), ops.offset(dyT), ops.offset(outT), n4);
      const [x, dy, out] = [xT, dyT, outT].map((t) => ops.f32(t)) as [Float32Array, Float32Array, Float32Array];
      for (let i = n4; i < n; i++) out[i] = dy[i]! * (x[i]! * 2);
      return outT;
    }) as unknown as KernelFunc;
  },
};

/**
 * Replaces the Square gradient with {@link SQUARE_GRAD_KERNEL} when the active backend is wasm and the operands are
 * float32 of equal shape, and tfjs's own gradient otherwise.
 */
export function registerSquareGradient(tf: Tf): void {
  fuseUnaryGradient(tf, 'Square', SQUARE_GRAD_KERNEL, () => ({}));
}
