// Shared by the wasm kernel tests: one tfjs with both the cpu and the wasm backend, and ways to run the same kernel
// or model on each. Tensors never cross backends: values go out through dataSync and come back as new tensors.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import assert from 'node:assert/strict';
import type { NamedAttrMap, Rank, Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
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
    await registerWasmTrainingKernels(tf);
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

interface Grads {
  weights: HostTensor[];
  grads: HostTensor[];
  names: string[];
  loss: number;
}

/** Builds the model on `backend` (with `weights` when given) and returns the gradient of a loss per trainable weight. */
async function modelGrads(backend: 'cpu' | 'wasm', build: () => tf.LayersModel, x: HostTensor, weights?: HostTensor[]): Promise<Grads> {
  await tf.setBackend(backend);
  const model = build();
  if (weights) {
    const ts = weights.map((w) => tf.tensor(w.values, w.shape));
    model.setWeights(ts);
    tf.dispose(ts);
  }
  const toHost = (t: Tensor): HostTensor => ({ values: t.dataSync() as Float32Array, shape: t.shape });
  let out: Omit<Grads, 'weights'> | undefined;
  tf.tidy(() => {
    const xs = tf.tensor(x.values, x.shape);
    const vars = model.trainableWeights.map((w) => w.read() as Variable);
    const units = model.outputs[0]!.shape[1]!;
    const target = tf.tensor(random(x.shape[0]! * units, 77).map((v) => Math.abs(v)), [x.shape[0]!, units]);
    const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(target, model.apply(xs, { training: true }) as Tensor) as Scalar, vars);
    out = { loss: value.dataSync()[0]!, grads: vars.map((v) => toHost(grads[v.name]!)), names: vars.map((v) => v.name) };
  });
  if (!out) throw new Error('no gradients');
  const result: Grads = { ...out, weights: model.getWeights().map(toHost) };
  model.dispose();
  return result;
}

/**
 * Builds the model on cpu, copies its weights into the same model built on wasm, and asserts that the loss and the
 * gradient of every trainable weight agree. Targets are a fixed function of x, the loss is mean squared error on
 * the outputs, BatchNorm runs in training mode (batch statistics).
 *
 * Each weight's error is max|wasm − cpu| relative to max|cpu| of that weight, but never to less than 1e-2 of the
 * largest gradient in the model: a BatchNorm gamma whose gradient is a near-cancelling sum (1e-4 where others are
 * 1e-1) differs between the backends by float32 rounding alone, 1.4e-4 relative in a 5-block dsconv student,
 * identically with or without this project's replacement kernels. A wrong kernel is off by O(1).
 */
export async function assertSameGradients(build: () => tf.LayersModel, x: HostTensor, tol = 1e-4): Promise<void> {
  const cpu = await modelGrads('cpu', build, x);
  const wasm = await modelGrads('wasm', build, x, cpu.weights);
  assert.ok(Math.abs(wasm.loss - cpu.loss) <= 1e-5 * Math.max(1, Math.abs(cpu.loss)), `loss ${wasm.loss} vs ${cpu.loss}`);
  assert.equal(wasm.grads.length, cpu.grads.length);
  const maxAbs = (v: Float32Array) => v.reduce((m, q) => Math.max(m, Math.abs(q)), 0);
  const floor = 1e-2 * Math.max(...cpu.grads.map((g) => maxAbs(g.values)));
  for (const [j, g] of wasm.grads.entries()) {
    const want = cpu.grads[j]!;
    assert.deepEqual(g.shape, want.shape, cpu.names[j]);
    const scale = Math.max(maxAbs(want.values), floor);
    const e = relError(g.values, want.values) * (maxAbs(want.values) / scale || 1);
    assert.ok(e <= tol, `${cpu.names[j]}: relative error ${e}`);
  }
}
