import type { KernelFunc, SumAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { input, Ops, type KernelArgs, type Tf, type TrainingKernel } from './common.js';
import { sumAxesSimd } from './simd/reduce.js';

/**
 * Sum over a contiguous run of axes that leaves channels innermost (a bias gradient sums dy over batch, height and
 * width) with the SIMD `column_sums` kernel: the wasm backend's Sum reduces innermost axes only, so for these it
 * first transposes the whole activation. Every other case goes to the original kernel.
 */
export const sum: TrainingKernel = {
  kernelName: 'Sum',
  override: true,
  make(tf: Tf, original: KernelFunc | undefined): KernelFunc {
    if (!original) throw new Error('wasm Sum: the wasm backend has no Sum kernel to fall back to');
    return ((args: KernelArgs): TensorInfo | TensorInfo[] => {
      const x = input(args, 'x');
      const { axis, keepDims } = args.attrs as unknown as SumAttrs;
      const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
      const out = sumAxesSimd(new Ops(tf, args.backend), x, axes, keepDims);
      return out ?? original(args as Parameters<KernelFunc>[0]);
    }) as unknown as KernelFunc;
  },
};
