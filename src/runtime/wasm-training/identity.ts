import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { input, type KernelArgs, type Tf, type TrainingKernel } from './common.js';

/**
 * Identity that shares the input's heap memory (one more reference) instead of copying it, as the cpu backend's
 * Identity and the wasm backend's own Reshape do; tensors are immutable, so sharing is safe. Training calls it on
 * whole activations: cast to float32 of a float32 tensor in every BatchNorm's moments, and the gradient of that
 * cast, several hundred copies per MobileNet-style step. Strings keep the original.
 */
export const identity: TrainingKernel = {
  kernelName: 'Identity',
  override: true,
  make(_tf: Tf, original: KernelFunc | undefined): KernelFunc {
    return ((args: KernelArgs): TensorInfo | TensorInfo[] => {
      const x = input(args, 'x');
      if (x.dtype === 'string') {
        if (!original) throw new Error('wasm Identity: no original kernel for strings');
        return original(args as Parameters<KernelFunc>[0]);
      }
      (args.backend as { incRef(dataId: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    }) as unknown as KernelFunc;
  },
};
