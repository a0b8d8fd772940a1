import type { BatchMatMulAttrs, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { input, Ops, type KernelArgs, type Tf, type TrainingKernel } from './common.js';

/**
 * BatchMatMul with transposeA or transposeB, as the wasm kernel's fast path without transposes over explicitly
 * transposed operands. Both gradients of a dense layer are transposed products (dW = xᵀ·dy, dx = dy·Wᵀ), and the
 * wasm backend computes those in a plain loop: 1–3 ms for a 64×1568×10 product that takes 0.1 ms untransposed, and
 * most of a teacher's step for a 6272×256 layer. An XNNPACK transpose costs far less than that difference.
 */
export const batchMatMul: TrainingKernel = {
  kernelName: 'BatchMatMul',
  override: true,
  make(tf: Tf, original: KernelFunc | undefined): KernelFunc {
    if (!original) throw new Error('wasm BatchMatMul: the wasm backend has no BatchMatMul kernel to build on');
    return ((args: KernelArgs): TensorInfo | TensorInfo[] => {
      const attrs = args.attrs as unknown as BatchMatMulAttrs;
      const a = input(args, 'a');
      const b = input(args, 'b');
      if ((!attrs.transposeA && !attrs.transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32') {
        return original(args as Parameters<KernelFunc>[0]);
      }
      const ops = new Ops(tf, args.backend);
      const swapLast = (t: TensorInfo): TensorInfo => {
        const perm = t.shape.map((_, i) => i);
        const r = perm.length;
        [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
        return ops.transpose(t, perm);
      };
      const aT = attrs.transposeA ? swapLast(a) : a;
      const bT = attrs.transposeB ? swapLast(b) : b;
      const plain = { ...attrs, transposeA: false, transposeB: false } as unknown as NamedAttrMap;
      const out = original({ inputs: { a: aT, b: bT }, attrs: plain, backend: args.backend as object });
      if (aT !== a) ops.free(aT);
      if (bT !== b) ops.free(bT);
      return out;
    }) as unknown as KernelFunc;
  },
};
