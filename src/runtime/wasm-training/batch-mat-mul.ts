import type { BatchMatMulAttrs, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { input, Ops, type KernelArgs, type Tf, type TrainingKernel } from './common.js';

/**
 * BatchMatMul with transposeA or transposeB, as the wasm kernel's fast path without transposes over explicitly
 * transposed operands. Both gradients of a dense layer are transposed products (dW = xᵀ·dy, dx = dy·Wᵀ), and the
 * wasm backend computes those in a plain loop: 1–3 ms for a 64×1568×10 product that takes 0.1 ms untransposed, and
 * most of a teacher's step for a 6272×256 layer. A tiled transpose costs far less than that difference.
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
        const r = t.shape.length;
        const rows = t.shape[r - 2]!;
        const cols = t.shape[r - 1]!;
        const batch = t.shape.slice(0, r - 2).reduce((p, d) => p * d, 1);
        const outShape = [...t.shape.slice(0, r - 2), cols, rows];
        return transposeBlocked(ops, t, outShape, batch, rows, cols);
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

/**
 * Swaps the last two axes in 32x32 tiles. The wasm Transpose kernel walks the output with a stride of a whole row
 * of the input; for a [16384, 64] matrix (the pixels × channels of a pointwise layer's input) it took 16 ms, most of
 * that layer's weight gradient. Tiles keep both reads and writes within a few cache lines.
 */
function transposeBlocked(ops: Ops, t: TensorInfo, outShape: number[], batch: number, rows: number, cols: number): TensorInfo {
  const outT = ops.alloc(outShape);
  const a = ops.f32(t);
  const o = ops.f32(outT);
  const T = 32;
  for (let b = 0; b < batch; b++) {
    const base = b * rows * cols;
    for (let i0 = 0; i0 < rows; i0 += T) {
      const i1 = Math.min(rows, i0 + T);
      for (let j0 = 0; j0 < cols; j0 += T) {
        const j1 = Math.min(cols, j0 + T);
        for (let i = i0; i < i1; i++) {
          const src = base + i * cols;
          for (let j = j0; j < j1; j++) o[base + j * rows + i] = a[src + j]!;
        }
      }
    }
  }
  return outT;
}
