import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { LossTerm } from '../core/types.js';

const Params = z
  .object({
    /** Weight of the inter-class relation (per sample, across classes). */
    beta: z.number().nonnegative().default(1),
    /** Weight of the intra-class relation (per class, across the batch). */
    gamma: z.number().nonnegative().default(1),
    temperature: z.number().positive().default(1),
  })
  .strict();
type Params = z.infer<typeof Params>;

/** The ε of the Pearson correlation's denominator (the reference implementation's 1e-8). */
export const DIST_EPSILON = 1e-8;

/**
 * Pearson correlation of the rows of `a` and `b` [n, m] (over the m entries of each row), [n]:
 * Σ a'b' / sqrt(Σ a'² · Σ b'² + ε²) with a' = a − mean(a) per row, ε = {@link DIST_EPSILON}. A row can have standard
 * deviation 0 (a uniform softmax; a class whose probability is the same for the whole batch, as in a batch of one):
 * ε keeps that correlation at 0 instead of 0/0, and its gradient finite instead of NaN (large, ~b'/ε, when only a's
 * row is constant: the correlation's own gradient grows without bound there). The reference divides by
 * ‖a'‖·‖b'‖ + ε instead: the same value wherever ‖a'‖·‖b'‖ ≫ ε, but a NaN gradient where a norm is 0.
 */
export function rowPearson(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const ac = tf.sub(a, tf.mean(a, 1, true));
    const bc = tf.sub(b, tf.mean(b, 1, true));
    const denom = tf.sqrt(tf.add(tf.mul(tf.sum(tf.square(ac), 1), tf.sum(tf.square(bc), 1)), DIST_EPSILON * DIST_EPSILON));
    return tf.div(tf.sum(tf.mul(ac, bc), 1), denom) as tf.Tensor1D;
  });
}

/**
 * DIST: T²·(β·inter + γ·intra) with p = softmax(logits/T) [n, K] for student and teacher:
 * inter = 1 − mean_i pearson(p_s[i, :], p_t[i, :]) (each sample's class ranking), intra = 1 − mean_k
 * pearson(p_s[:, k], p_t[:, k]) (each class's ranking of the batch's samples); correlations by {@link rowPearson}.
 * Matching correlations rather than the probabilities themselves lets the student follow a much stronger teacher
 * without matching its confidence. As hunto/DIST_KD (T² multipliers as in its classification code). Huang, You, Wang,
 * Qian & Xu, "Knowledge Distillation from A Stronger Teacher", NeurIPS 2022.
 */
export function dist(studentLogits: tf.Tensor, teacherLogits: tf.Tensor, o: { beta: number; gamma: number; temperature: number }): tf.Scalar {
  return tf.tidy(() => {
    const T = o.temperature;
    const ps = tf.softmax(tf.div(studentLogits, T)) as tf.Tensor2D;
    const pt = tf.softmax(tf.div(teacherLogits, T)) as tf.Tensor2D;
    const inter = tf.sub(1, tf.mean(rowPearson(ps, pt)));
    const intra = tf.sub(1, tf.mean(rowPearson(tf.transpose(ps), tf.transpose(pt))));
    return tf.mul(tf.add(tf.mul(inter, o.beta), tf.mul(intra, o.gamma)), T * T) as tf.Scalar;
  });
}

/** Loss term `dist`: {@link dist} with parameters `beta` (1), `gamma` (1), `temperature` (1). */
export const distTerm: LossTerm<Params> = {
  name: 'dist',
  description: 'T²·(β·(1 − mean Pearson over each sample) + γ·(1 − mean Pearson over each class)) of softmax(z/T) (Huang et al., DIST, NeurIPS 2022)',
  params: Params,
  needsTeacher: true,
  taps: () => ({ student: [], teacher: [] }),
  create: (p) => (s, t) => {
    if (!t) throw new Error('dist needs teacher outputs');
    return dist(s.logits, t.logits, p);
  },
};
