import type * as tfType from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import type { TrainingKernel } from './common.js';
import { adamUpdate } from './adam-update.js';
import { batchMatMul } from './batch-mat-mul.js';
import { batchNorm } from './batch-norm.js';
import { batchNormGrad, registerBatchNormGradient } from './batch-norm-grad.js';
import { clipByValueGrad, registerClipByValueGradient, registerReluGradient } from './clip-by-value-grad.js';
import { cast } from './cast.js';
import { channelBroadcastKernel } from './channel-broadcast.js';
import { conv2DBackpropFilter } from './conv2d-backprop-filter.js';
import { conv2DBackpropInput } from './conv2d-backprop-input.js';
import { depthwiseBackpropFilter } from './depthwise-backprop-filter.js';
import { depthwiseBackpropInput } from './depthwise-backprop-input.js';
import { identity } from './identity.js';
import { maxPoolGrad } from './max-pool-grad.js';
import { mean } from './mean.js';
import { meanGrad, registerMeanGradient } from './mean-grad.js';
import { registerSquareGradient, squareGrad } from './square-grad.js';
import { sum } from './sum.js';
import { tile } from './tile.js';
import { compileSimdKernels, setSimdEnabled } from './simd/module.js';

/**
 * Every kernel this module registers: first the three the wasm backend lacks, the fused gradients (ReLU6 and ReLU,
 * Square, BatchNorm, Mean) and the fused Adam update, then faster replacements of existing wasm kernels.
 */
export const TRAINING_KERNELS: readonly TrainingKernel[] = [
  conv2DBackpropFilter,
  depthwiseBackpropInput,
  depthwiseBackpropFilter,
  clipByValueGrad,
  batchNormGrad,
  meanGrad,
  squareGrad,
  adamUpdate,
  conv2DBackpropInput,
  tile,
  maxPoolGrad,
  batchMatMul,
  identity,
  cast,
  sum,
  mean,
  batchNorm,
  channelBroadcastKernel('Add'),
  channelBroadcastKernel('Sub'),
];

// Marks configs registered here, so a second call (even from a second copy of this module, as tsx and a built
// dist can both load) recognises them instead of wrapping our own kernel as the "original".
const MARK = Symbol.for('edge-distill.wasm-training.kernel');

// The wasm backend's own config a registration replaced, kept on ours so that it can be put back.
const ORIGINAL = Symbol.for('edge-distill.wasm-training.original');

type MarkedConfig = KernelConfig & { [MARK]?: true; [ORIGINAL]?: KernelConfig };

export interface RegisterOptions {
  /**
   * Also replace existing wasm kernels with the faster ones here (default true). False registers only the missing
   * gradient kernels, which is enough to train and is useful to measure what the overrides buy.
   */
  overrides?: boolean;
  /**
   * Use this project's SIMD kernels (simd/wat.ts) where they apply (default true). False keeps the XNNPACK and JS
   * paths, to measure what the SIMD kernels buy.
   */
  simd?: boolean;
}

let simdError: string | undefined;

/** Why the SIMD kernels could not be compiled at the last registration, if they could not. */
export function simdUnavailableReason(): string | undefined {
  return simdError;
}

/**
 * Registers the gradient kernels the tfjs wasm backend lacks (and faster versions of slow ones) so that models
 * can be trained on wasm. Safe to call more than once, before or after the wasm backend is initialised. A replaced
 * kernel keeps the original's setupFunc (which binds its wasm function) so ours can fall back to it for cases it
 * does not handle. Resolves, once the SIMD kernels are compiled, to the names of the kernels registered here.
 */
export async function registerWasmTrainingKernels(tf: typeof tfType, options: RegisterOptions = {}): Promise<string[]> {
  const overrides = options.overrides ?? true;
  setSimdEnabled(options.simd ?? true);
  if (options.simd ?? true) {
    // Without the SIMD module every kernel still works (its XNNPACK/JS path), only slower: not a reason to give up
    // wasm, but a reason to say so (simdUnavailableReason).
    try {
      await compileSimdKernels();
      simdError = undefined;
    } catch (e) {
      simdError = (e as Error).message;
    }
  }
  const names: string[] = [];
  for (const k of TRAINING_KERNELS) {
    if (k.override && !overrides) continue;
    const existing = tf.getKernel(k.kernelName, 'wasm') as MarkedConfig | undefined;
    if (existing?.[MARK]) {
      names.push(k.kernelName);
      continue;
    }
    if (existing) tf.unregisterKernel(k.kernelName, 'wasm');
    const config: MarkedConfig = {
      kernelName: k.kernelName,
      backendName: 'wasm',
      kernelFunc: k.make(tf, existing?.kernelFunc),
      [MARK]: true,
    };
    if (existing?.setupFunc) config.setupFunc = existing.setupFunc;
    if (existing?.disposeFunc) config.disposeFunc = existing.disposeFunc;
    if (existing) config[ORIGINAL] = existing;
    tf.registerKernel(config);
    names.push(k.kernelName);
  }
  if (overrides) {
    // Gradients whose tfjs composition makes many passes over an activation: on wasm they run as one kernel each.
    registerClipByValueGradient(tf);
    registerReluGradient(tf);
    registerSquareGradient(tf);
    registerBatchNormGradient(tf);
    registerMeanGradient(tf);
  }
  return names;
}

/**
 * Puts back the wasm backend's own kernels where {@link registerWasmTrainingKernels} replaced them (the kernels it
 * added, which inference never calls, stay). For measuring inference as deployed apps run it: the bench's Node
 * wasm target runs in the same process as training, and stock tfjs-wasm in a browser has none of these kernels.
 * The next registerWasmTrainingKernels call installs them again. Returns the names restored.
 */
export function restoreStockWasmKernels(tf: typeof tfType): string[] {
  const names: string[] = [];
  for (const k of TRAINING_KERNELS) {
    const current = tf.getKernel(k.kernelName, 'wasm') as MarkedConfig | undefined;
    const original = current?.[MARK] ? current[ORIGINAL] : undefined;
    if (!original) continue;
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(original);
    names.push(k.kernelName);
  }
  return names;
}
