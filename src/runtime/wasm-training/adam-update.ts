import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { input, Ops, type KernelArgs, type Tf, type TrainingKernel } from './common.js';
import { simdKernels } from './simd/module.js';

/** Name of the fused Adam update kernel (registered for wasm only; src/train/adam.ts uses it when present). */
export const ADAM_KERNEL = 'EdgeDistillAdam';

/** Attributes of {@link ADAM_KERNEL}: the constants of one step, as src/train/adam.ts computes them. */
export interface AdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** lr·√(1−β2^t)/(1−β1^t). */
  stepSize: number;
}

/**
 * One Adam step for one variable as a single pass: inputs x, g, m, v; outputs [x', m', v'] with
 * m' = m·β1 + g·(1−β1), v' = v·β2 + g²·(1−β2), x' = x − m'/(√v' + ε)·stepSize (Kingma & Ba, 2015, with the bias
 * corrections folded into stepSize). The tensor-op form is eleven kernels per variable, each a pass over the weights
 * and a dispatch; for a student with a few dozen small variables the dispatches are a tenth of a wasm step. Every
 * operation rounds to float32 in the same order as the tensor ops, so both forms give the same bits.
 */
export const adamUpdate: TrainingKernel = {
  kernelName: ADAM_KERNEL,
  override: true,
  make(tf: Tf): KernelFunc {
    return ((args: KernelArgs): TensorInfo[] => {
      const [xT, gT, mT, vT] = ['x', 'g', 'm', 'v'].map((n) => input(args, n)) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo];
      const { beta1, beta2, epsilon, stepSize } = args.attrs as unknown as AdamAttrs;
      const ops = new Ops(tf, args.backend);
      const outs = [ops.alloc(xT.shape), ops.alloc(xT.shape), ops.alloc(xT.shape)] as [TensorInfo, TensorInfo, TensorInfo];
      const f = Math.fround;
      const [b1, c1, b2, c2, eps, step] = [beta1, 1 - beta1, beta2, 1 - beta2, epsilon, stepSize].map(f) as [number, number, number, number, number, number];
      const n = tf.util.sizeFromShape(xT.shape);
      const simd = simdKernels(args.backend);
      const n4 = simd ? n - (n % 4) : 0;
      if (simd && n4 > 0) {
        simd.adam_update(...([xT, gT, mT, vT, ...outs].map((t) => ops.offset(t)) as [number, number, number, number, number, number, number]), n4, b1, c1, b2, c2, eps, step);
      }
      const [x, g, m, v, xo, mo, vo] = [xT, gT, mT, vT, ...outs].map((t) => ops.f32(t)) as Float32Array[];
      for (let i = n4; i < n; i++) {
        const gi = g![i]!;
        const mi = f(f(m![i]! * b1) + f(gi * c1));
        const vi = f(f(v![i]! * b2) + f(f(gi * gi) * c2));
        mo![i] = mi;
        vo![i] = vi;
        xo![i] = f(x![i]! - f(f(mi / f(f(Math.sqrt(vi)) + eps)) * step));
      }
      return outs;
    }) as unknown as KernelFunc;
  },
};

/** The attributes as tfjs's kernel API takes them. */
export function adamAttrs(a: AdamAttrs): NamedAttrMap {
  return a as unknown as NamedAttrMap;
}
