// Shared by the wasm kernel tests: one tfjs with both the cpu and the wasm backend, and ways to run the same kernel
// or model on each. Tensors never cross backends: values go out through dataSync and come back as new tensors.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { NamedAttrMap, Rank, Tensor } from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from '../../../src/runtime/wasm-training/index.js';

export { tf };

/** Plain values of a tensor input: what can move between backends. */
export interface HostTensor {
  values: Float32Array;
  shape: number[];
}

let ready: Promise<void> | undefined;

/** Registers the training kernels and initialises both backends once. */
export function setup(): Promise<void> {
  ready ??= (async () => {
    registerWasmTrainingKernels(tf);
    if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise');
    if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialise');
  })();
  return ready;
}

/** Deterministic pseudo-random values in [-1, 1) (mulberry32), so a failing case can be rerun exactly. */
export function random(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** A random host tensor of the given shape. */
export function host(shape: number[], seed: number): HostTensor {
  return { values: random(shape.reduce((a, b) => a * b, 1), seed), shape };
}

/** Runs one kernel on `backend` from host values and returns the result as host values. */
export async function runKernel(backend: 'cpu' | 'wasm', name: string, inputs: Record<string, HostTensor>, attrs: object): Promise<HostTensor> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const ts: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.values, v.shape);
    const out = tf.engine().runKernel(name, ts, attrs as NamedAttrMap) as Tensor<Rank>;
    return { values: out.dataSync() as Float32Array, shape: out.shape };
  });
}

/** max |a − b| / max |b|: error relative to the reference's scale (elementwise ratios explode near zero). */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(d)) return Infinity;
    if (d > diff) diff = d;
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}
