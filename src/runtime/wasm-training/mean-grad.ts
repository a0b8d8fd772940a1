import type { KernelFunc, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { input, Ops, overrideGradient, type KernelArgs, type Tf, type TrainingKernel } from './common.js';

/** Name of the Mean gradient kernel (registered for wasm only). */
export const MEAN_GRAD_KERNEL = 'EdgeDistillMeanGrad';

/** Attributes of {@link MEAN_GRAD_KERNEL}: the input shape and the (contiguous) reduced axes. */
interface MeanGradAttrs {
  xShape: number[];
  axes: number[];
}

/**
 * dx = dy / n broadcast back over the reduced axes, as row copies (TypedArray.set, then copyWithin doubling the
 * filled span). tfjs builds it as ones(x.shape) · dy / n: three full passes over an activation-sized tensor for
 * every BatchNorm statistic (twice per BatchNorm layer in training) and for global average pooling.
 */
export const meanGrad: TrainingKernel = {
  kernelName: MEAN_GRAD_KERNEL,
  override: false,
  make(tf: Tf): KernelFunc {
    return ((args: KernelArgs): TensorInfo => {
      const ops = new Ops(tf, args.backend);
      const dyT = input(args, 'dy');
      const { xShape, axes } = args.attrs as unknown as MeanGradAttrs;
      const first = axes[0]!;
      const last = axes.at(-1)!;
      const prod = (ds: number[]) => ds.reduce((p, d) => p * d, 1);
      const outer = prod(xShape.slice(0, first));
      const red = prod(xShape.slice(first, last + 1));
      const inner = prod(xShape.slice(last + 1));
      const outT = ops.alloc(xShape);
      const dy = ops.f32(dyT);
      const out = ops.f32(outT);
      for (let o = 0; o < outer; o++) {
        const start = o * red * inner;
        for (let i = 0; i < inner; i++) out[start + i] = dy[o * inner + i]! / red;
        const total = red * inner;
        for (let done = inner; done < total; ) {
          const len = Math.min(done, total - done);
          out.copyWithin(start + done, start, start + len);
          done += len;
        }
      }
      return outT;
    }) as unknown as KernelFunc;
  },
};

/**
 * Replaces the Mean gradient, on wasm for float32 input and a contiguous block of reduced axes, with
 * {@link MEAN_GRAD_KERNEL}; tfjs's own gradient otherwise.
 */
export function registerMeanGradient(tf: Tf): void {
  overrideGradient(tf, 'Mean', (original) => (dy, saved, attrs) => {
    const x = saved[0];
    const g = dy as Tensor;
    if (tf.getBackend() !== 'wasm' || !x || x.dtype !== 'float32' || g.dtype !== 'float32') return original(dy, saved, attrs);
    const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape).sort((p, q) => p - q);
    const contiguous = axes.length > 0 && axes.every((a, i) => i === 0 || a === axes[i - 1]! + 1);
    if (!contiguous || g.size * tf.util.sizeFromShape(axes.map((a) => x.shape[a]!)) !== x.size) return original(dy, saved, attrs);
    return { x: () => tf.engine().runKernel(MEAN_GRAD_KERNEL, { dy: g }, { xShape: x.shape, axes } as unknown as NamedAttrMap) as Tensor };
  });
}
