import type { KernelFunc, SumAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { input, Ops, type KernelArgs, type Tf, type TrainingKernel } from './common.js';

/**
 * Sum and Mean over a contiguous block of axes of a float32 tensor, as one pass over memory. The wasm kernels
 * first transpose the reduced axes to the end, and training reduces large NHWC activations over their leading axes
 * all the time (bias and BatchNorm gradients over [0,1,2], BatchNorm statistics, global average pooling over
 * [1,2]); with the transpose that was the largest single cost of a MobileNet-style step. Reductions over leading
 * or trailing axes run as a matrix product with a ones vector; others (e.g. [1,2]) as a JS loop that accumulates in
 * float64. Other dtypes and non-contiguous axes go to the original kernel.
 */
function reduceKernel(kernelName: 'Sum' | 'Mean'): TrainingKernel {
  return {
    kernelName,
    override: true,
    make(tf: Tf, original: KernelFunc | undefined): KernelFunc {
      return ((args: KernelArgs): TensorInfo | TensorInfo[] => {
        const xT = input(args, 'x');
        const { axis, keepDims } = args.attrs as unknown as SumAttrs;
        const shape = xT.shape;
        const axes = tf.util.parseAxisParam(axis, shape).sort((p, q) => p - q);
        const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1]! + 1);
        if (xT.dtype !== 'float32' || axes.length === 0 || !contiguous) {
          if (!original) throw new Error(`wasm ${kernelName}: unsupported case and no original kernel`);
          return original(args as Parameters<KernelFunc>[0]);
        }
        const first = axes[0]!;
        const last = axes.at(-1)!;
        const prod = (ds: number[]) => ds.reduce((p, d) => p * d, 1);
        const outer = prod(shape.slice(0, first));
        const red = prod(shape.slice(first, last + 1));
        const inner = prod(shape.slice(last + 1));
        const outShape = keepDims ? shape.map((d, i) => (i >= first && i <= last ? 1 : d)) : shape.filter((_, i) => i < first || i > last);
        const ops = new Ops(tf, args.backend);
        const scale = kernelName === 'Mean' ? 1 / red : 1;
        if (outer === 1 || inner === 1) {
          // A reduction over the leading (or trailing) axes is a product with a vector of ones (or 1/n for Mean):
          // XNNPACK's SIMD GEMM does it about ten times faster than a JS loop over the heap.
          const ones = ops.alloc(outer === 1 ? [1, 1, red] : [1, red, 1]);
          ops.f32(ones).fill(scale);
          const flat = ops.reshape(xT, outer === 1 ? [1, red, inner] : [1, outer, red]);
          const g = ops.run('BatchMatMul', outer === 1 ? { a: ones, b: flat } : { a: flat, b: ones }, { transposeA: false, transposeB: false });
          ops.free(ones);
          return ops.reshape(g, outShape);
        }
        const outT = ops.alloc(outShape);
        const x = ops.f32(xT);
        const out = ops.f32(outT);
        {
          const acc = new Float64Array(inner);
          for (let o = 0; o < outer; o++) {
            acc.fill(0);
            for (let r = 0; r < red; r++) {
              const base = (o * red + r) * inner;
              for (let i = 0; i < inner; i++) acc[i] = acc[i]! + x[base + i]!;
            }
            for (let i = 0; i < inner; i++) out[o * inner + i] = acc[i]! * scale;
          }
        }
        return outT;
      }) as unknown as KernelFunc;
    },
  };
}

/** Sum over contiguous axes in one pass (see {@link reduceKernel}). */
export const sum: TrainingKernel = reduceKernel('Sum');

/** Mean over contiguous axes in one pass (see {@link reduceKernel}). */
export const mean: TrainingKernel = reduceKernel('Mean');
