// The fused Adam update (wasm) gives the same bits as src/distill/adam.ts's tensor ops (run on cpu, where the
// kernel is not registered), and both match Adam written out in float64 by hand.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Adam } from '../../../src/train/adam.js';
import { ADAM_KERNEL } from '../../../src/runtime/wasm-training/adam-update.js';
import { random, setup, tf } from './wasm-helpers.js';

before(setup);

// Sizes with and without a tail of < 4 elements (the SIMD kernel takes whole vectors).
const SHAPES = [[7], [3, 5, 4], [2, 3], [1]];
const STEPS = 4;
const LR = [0.01, 0.02, 0.005, 0.01];

/** Runs STEPS Adam updates on `backend` from fixed starting values and gradients; returns the final variables. */
async function run(backend: 'cpu' | 'wasm'): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const vars = SHAPES.map((s, i) => tf.variable(tf.tensor(random(tf.util.sizeFromShape(s), 10 + i), s)));
  const adam = new Adam(vars);
  for (let t = 0; t < STEPS; t++) {
    const grads = SHAPES.map((s, i) => tf.tensor(random(tf.util.sizeFromShape(s), 100 * t + i), s));
    adam.apply(grads, LR[t]!);
    tf.dispose(grads);
  }
  const out = vars.map((v) => v.dataSync() as Float32Array);
  adam.dispose();
  tf.dispose(vars);
  return out;
}

test('fused Adam on wasm: same bits as the tensor ops on cpu, and equal to a float64 Adam by hand', async () => {
  assert.ok(tf.getKernel(ADAM_KERNEL, 'wasm'), 'the fused Adam kernel is registered for wasm');
  assert.equal(tf.getKernel(ADAM_KERNEL, 'cpu'), undefined, 'cpu runs the tensor-op form');
  const wasm = await run('wasm');
  const cpu = await run('cpu');
  for (const [i, w] of wasm.entries()) assert.deepEqual(Array.from(w), Array.from(cpu[i]!), `variable ${i}`);

  // Kingma & Ba's Algorithm 1 with ε added to √v̂ scaled as adam.ts does (ε·√(1−β2^t) on the uncorrected v).
  const [b1, b2, eps] = [0.9, 0.999, 1e-7];
  for (const [i, s] of SHAPES.entries()) {
    const n = tf.util.sizeFromShape(s);
    const x = Array.from(random(n, 10 + i), Number);
    const m = new Array<number>(n).fill(0);
    const v = new Array<number>(n).fill(0);
    for (let t = 0; t < STEPS; t++) {
      const g = random(n, 100 * t + i);
      const stepSize = (LR[t]! * Math.sqrt(1 - b2 ** (t + 1))) / (1 - b1 ** (t + 1));
      for (let j = 0; j < n; j++) {
        m[j] = b1 * m[j]! + (1 - b1) * g[j]!;
        v[j] = b2 * v[j]! + (1 - b2) * g[j]! ** 2;
        x[j] = x[j]! - (m[j]! / (Math.sqrt(v[j]!) + eps)) * stepSize;
      }
    }
    for (let j = 0; j < n; j++) assert.ok(Math.abs(wasm[i]![j]! - x[j]!) <= 1e-6 * Math.max(1, Math.abs(x[j]!)), `variable ${i}[${j}]: ${wasm[i]![j]} vs ${x[j]}`);
  }
});
