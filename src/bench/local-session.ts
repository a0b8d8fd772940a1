import { performance } from 'node:perf_hooks';
import { measure } from './harness.js';
import { predictModel, timeModel } from './session-core.js';
import type { PortableModel, Session, SessionInfo } from './types.js';

/** Samples per inference call when predicting the test split (large enough to amortise call overhead). */
export const PREDICT_CHUNK = 64;

/**
 * A {@link Session} over a model loaded in this process (the Node runners). `x` holds the test images in the
 * artifact's layout, `per` values each.
 */
export function localSession(model: PortableModel, info: SessionInfo, x: Float32Array, per: number, n: number): Session {
  const now = () => performance.now();
  return {
    info,
    time: (batch, plan) => timeModel(model, x, per, n, batch, plan, now, measure),
    predict: (count) => predictModel(model, x, per, Math.min(count, n), PREDICT_CHUNK),
    memory: async () => model.memory(),
    dispose: async () => {
      await model.dispose();
    },
  };
}

/** Times `fn` in milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}
