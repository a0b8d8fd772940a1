import type { SumAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { input, Ops, replacementKernel, type TrainingKernel } from '../common.js';
import { simdKernels } from './module.js';

/**
 * Σ of x over `axes` (sorted, already normalised) when they are one contiguous run with at least 4 trailing
 * elements, a multiple of 4, left after it: x is then [outer, mid, inner] and the sum is `column_sums` of each
 * [mid, inner] slab. Covers a bias gradient (leading axes), BatchNorm's training statistics (leading axes) and
 * global average pooling (height and width). Returns the result shaped as tfjs's Sum would (keepDims included), or
 * undefined when it does not apply (the caller runs the original kernel).
 */
export function sumAxesSimd(ops: Ops, x: TensorInfo, axes: number[], keepDims: boolean): TensorInfo | undefined {
  const k = simdKernels(ops.backend);
  if (!k || x.dtype !== 'float32' || axes.length === 0) return undefined;
  const first = axes[0]!;
  const last = axes.at(-1)!;
  if (last - first + 1 !== axes.length || last >= x.shape.length - 1) return undefined;
  const size = (from: number, to: number) => x.shape.slice(from, to).reduce((p, d) => p * d, 1);
  const outer = size(0, first);
  const mid = size(first, last + 1);
  const inner = size(last + 1, x.shape.length);
  if (inner % 4 !== 0 || mid === 0 || outer === 0) return undefined;
  const shape = keepDims ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d)) : x.shape.filter((_, i) => i < first || i > last);
  const out = ops.zeros(shape);
  const xo = ops.offset(x);
  const oo = ops.offset(out);
  for (let o = 0; o < outer; o++) k.column_sums(xo + o * mid * inner * 4, oo + o * inner * 4, mid, inner);
  return out;
}

/**
 * A Sum or Mean kernel (Mean divides by the count) that takes {@link sumAxesSimd} where it applies and the wasm
 * backend's original kernel elsewhere. The original transposes the activation first for these reductions.
 */
export function reductionKernel(kernelName: 'Sum' | 'Mean'): TrainingKernel {
  return replacementKernel(kernelName, (tf, args) => {
    const x = input(args, 'x');
    const { axis, keepDims } = args.attrs as unknown as SumAttrs; // MeanAttrs has the same fields
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const ops = new Ops(tf, args.backend);
    const out = sumAxesSimd(ops, x, axes, keepDims);
    if (out && kernelName === 'Mean') {
      const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
      const v = ops.f32(out);
      for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
    }
    return out;
  });
}
