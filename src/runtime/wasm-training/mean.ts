import type { KernelFunc, MeanAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { input, Ops, type KernelArgs, type Tf, type TrainingKernel } from './common.js';
import { sumAxesSimd } from './simd/reduce.js';

/**
 * Mean over a contiguous run of axes that leaves channels innermost, as the SIMD column sums divided by the count:
 * BatchNorm's training-mode mean and variance (two per BatchNorm layer and step) and global average pooling. The
 * wasm backend's Mean transposes the activation first for these. Every other case goes to the original kernel.
 */
export const mean: TrainingKernel = {
  kernelName: 'Mean',
  override: true,
  make(tf: Tf, original: KernelFunc | undefined): KernelFunc {
    if (!original) throw new Error('wasm Mean: the wasm backend has no Mean kernel to fall back to');
    return ((args: KernelArgs): TensorInfo | TensorInfo[] => {
      const x = input(args, 'x');
      const { axis, keepDims } = args.attrs as unknown as MeanAttrs;
      const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
      const ops = new Ops(tf, args.backend);
      const out = sumAxesSimd(ops, x, axes, keepDims);
      if (!out) return original(args as Parameters<KernelFunc>[0]);
      const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
      const v = ops.f32(out);
      for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
      return out;
    }) as unknown as KernelFunc;
  },
};
