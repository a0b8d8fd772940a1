import type { KernelFunc, SumAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { input, Ops, type KernelArgs, type Tf, type TrainingKernel } from './common.js';
import { simdKernels } from './simd/module.js';

/**
 * Sum over leading axes (a bias gradient sums dy over batch, height and width) with the SIMD `column_sums` kernel:
 * the wasm backend's Sum reduces innermost axes only, so for these it first transposes the whole activation. Other
 * reductions, non-float32 input, and a trailing size that is not a multiple of 4 go to the original kernel.
 */
export const sum: TrainingKernel = {
  kernelName: 'Sum',
  override: true,
  make(tf: Tf, original: KernelFunc | undefined): KernelFunc {
    if (!original) throw new Error('wasm Sum: the wasm backend has no Sum kernel to fall back to');
    return ((args: KernelArgs): TensorInfo | TensorInfo[] => {
      const x = input(args, 'x');
      const { axis, keepDims } = args.attrs as unknown as SumAttrs;
      const k = simdKernels(args.backend);
      const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
      const lead = axes.length;
      const leading = lead > 0 && lead < x.shape.length && axes.every((a, i) => a === i);
      const rows = x.shape.slice(0, lead).reduce((p, d) => p * d, 1);
      const cols = x.shape.slice(lead).reduce((p, d) => p * d, 1);
      if (!k || !leading || x.dtype !== 'float32' || cols % 4 !== 0 || rows === 0) return original(args as Parameters<KernelFunc>[0]);
      const ops = new Ops(tf, args.backend);
      const shape = keepDims ? x.shape.map((d, i) => (i < lead ? 1 : d)) : x.shape.slice(lead);
      const out = ops.zeros(shape);
      k.column_sums(ops.offset(x), ops.offset(out), rows, cols);
      return out;
    }) as unknown as KernelFunc;
  },
};
