import type { CastAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { input, type KernelArgs, type Tf, type TrainingKernel } from './common.js';

/**
 * Cast to the dtype a tensor already has, as a shared reference instead of the wasm kernel's full copy (the cpu
 * backend shares too). tfjs's moments() casts its float32 input to float32, so every BatchNorm in training mode
 * copied its whole input once per step. Real conversions go to the original kernel.
 */
export const cast: TrainingKernel = {
  kernelName: 'Cast',
  override: true,
  make(_tf: Tf, original: KernelFunc | undefined): KernelFunc {
    if (!original) throw new Error('wasm Cast: the wasm backend has no Cast kernel to build on');
    return ((args: KernelArgs): TensorInfo | TensorInfo[] => {
      const x = input(args, 'x');
      const { dtype } = args.attrs as unknown as CastAttrs;
      if (dtype !== x.dtype || dtype === 'string' || dtype === 'complex64') return original(args as Parameters<KernelFunc>[0]);
      (args.backend as { incRef(dataId: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    }) as unknown as KernelFunc;
  },
};
