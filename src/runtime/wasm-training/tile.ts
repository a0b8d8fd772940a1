import type { KernelFunc, TensorInfo, TileAttrs } from '@tensorflow/tfjs-core';
import { input, Ops, type KernelArgs, type Tf, type TrainingKernel } from './common.js';

/**
 * Tile, replacing the wasm backend's per-element C++ loop. The BatchNorm gradient tiles a [1,1,1,C] vector to the
 * whole activation shape every step, so this is hot in training. Here each innermost row is copied `reps` times,
 * and every finished block is then replicated along its axis with TypedArray.copyWithin (a memmove), doubling the
 * copied span each time.
 */
export const tile: TrainingKernel = {
  kernelName: 'Tile',
  override: true,
  make(tf: Tf, original: KernelFunc | undefined): KernelFunc {
    return ((args: KernelArgs): TensorInfo | TensorInfo[] => {
      const xT = input(args, 'x');
      const { reps } = args.attrs as unknown as TileAttrs;
      if (xT.dtype === 'string' || xT.dtype === 'complex64' || xT.shape.length === 0) {
        if (!original) throw new Error(`wasm Tile: unsupported dtype ${xT.dtype} and no original kernel`);
        return original(args as Parameters<KernelFunc>[0]);
      }
      const ops = new Ops(tf, args.backend);
      const shape = xT.shape;
      const rank = shape.length;
      const outShape = shape.map((d, i) => d * reps[i]!);
      const outT = ops.alloc(outShape, xT.dtype);
      if (outShape.some((d) => d === 0)) return outT;
      const x = ops.backend.typedArrayFromHeap(xT);
      const out = ops.backend.typedArrayFromHeap(outT);
      const xStride = new Array<number>(rank);
      const oStride = new Array<number>(rank);
      xStride[rank - 1] = 1;
      oStride[rank - 1] = 1;
      for (let i = rank - 2; i >= 0; i--) {
        xStride[i] = xStride[i + 1]! * shape[i + 1]!;
        oStride[i] = oStride[i + 1]! * outShape[i + 1]!;
      }
      // Fills out[outOff ...] with the tile of x[xOff ...] from axis `dim` down, then repeats it reps[dim] times.
      const fill = (dim: number, xOff: number, outOff: number): void => {
        const n = shape[dim]!;
        if (dim === rank - 1) {
          out.set(x.subarray(xOff, xOff + n), outOff);
        } else {
          for (let i = 0; i < n; i++) fill(dim + 1, xOff + i * xStride[dim]!, outOff + i * oStride[dim]!);
        }
        const block = n * oStride[dim]!;
        const total = block * reps[dim]!;
        for (let done = block; done < total; ) {
          const len = Math.min(done, total - done);
          out.copyWithin(outOff + done, outOff, outOff + len);
          done += len;
        }
      };
      fill(0, 0, 0);
      return outT;
    }) as unknown as KernelFunc;
  },
};
