/** The gradient engine of `--workers 1`: the step computed in the main thread, as the trainer always did. */
import * as tf from '@tensorflow/tfjs';
import { lossAndGradients, type StudentLoss } from '../student-loss.js';
import type { GradientEngine } from './engine.js';

/** `name = value` of each term whose value is NaN or ±Inf. */
async function nonFinite(parts: Record<string, tf.Scalar>): Promise<string[]> {
  const out: string[] = [];
  for (const [name, t] of Object.entries(parts)) {
    const x = (await t.data())[0]!;
    if (!Number.isFinite(x)) out.push(`${name} = ${x}`);
  }
  return out;
}

/** Gradients of `sl`'s loss with respect to `vars`, computed here, in the main thread. */
export function inProcessEngine(sl: StudentLoss, vars: tf.Variable[]): GradientEngine {
  return {
    workers: 1,
    async gradients(batch) {
      const { value, grads, parts } = lossAndGradients(sl, vars, batch);
      const v = (await value.data())[0]!;
      value.dispose();
      return { value: v, grads, nonFiniteTerms: () => nonFinite(parts), dispose: () => tf.dispose(Object.values(parts)) };
    },
    sync: async () => {},
    close: async () => {},
  };
}
