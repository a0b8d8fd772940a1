/** tfjs set-up for tests: the cpu backend (deterministic, no wasm start-up), seeded random weights. */
import type * as tfType from '@tensorflow/tfjs';
import { loadTf } from '../../src/runtime/backend.js';
import { createRng } from '../../src/core/random.js';

let ready: Promise<typeof tfType> | undefined;

/** tfjs on the cpu backend. */
export function cpuTf(): Promise<typeof tfType> {
  ready ??= (async () => {
    const tf = await loadTf();
    await tf.setBackend('cpu');
    return tf;
  })();
  return ready;
}

/** Uniform values in [lo, hi) from a seeded generator. */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng());
}

/**
 * Replaces every weight of `model` with seeded values: kernels and biases in [-0.5, 0.5), BatchNormalization
 * statistics away from their identity defaults (so folding is really exercised).
 */
export function randomizeWeights(tf: typeof tfType, model: tfType.LayersModel, seed = 1): void {
  let s = seed;
  for (const layer of model.layers) {
    const ws = layer.weights.map((w) => {
      const shape = w.shape as number[];
      const n = shape.reduce((a, b) => a * b, 1);
      const short = w.originalName.split('/').pop()!;
      const [lo, hi] = short.startsWith('moving_variance') ? [0.5, 2] : short.startsWith('gamma') ? [0.5, 1.5] : [-0.5, 0.5];
      return tf.tensor(uniform(n, s++, lo, hi), shape);
    });
    if (ws.length) layer.setWeights(ws);
    ws.forEach((t) => t.dispose());
  }
}
