import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { LossTerm } from '../core/types.js';
import { standardizeLogits } from './standardize.js';
import { dominantLabels } from './label-mix.js';

const Params = z
  .object({
    /** Weight of the target-class part (TCKD). */
    alpha: z.number().nonnegative().default(1),
    /** Weight of the non-target part (NCKD). */
    beta: z.number().nonnegative().default(8),
    temperature: z.number().positive().default(4),
    /** Z-score each logit vector before the temperature ({@link standardizeLogits}). */
    standardize: z.boolean().default(false),
  })
  .strict();
type Params = z.infer<typeof Params>;

// Subtracted from the target logit (after the temperature) to take it out of the non-target softmax, as the reference
// does: exp(−1000) is 0 in float32, and unlike −∞ it leaves 0·(log 0 − log 0) out of the sums and their gradients.
const MASK = 1000;

/**
 * Decoupled Knowledge Distillation: α·TCKD + β·NCKD, batch mean, with z = logits/T for the student s and teacher t
 * and y the label:
 * - TCKD = T²·KL(b_t ‖ b_s), b = [p_y, 1 − p_y] with p = softmax(z): how sure each model is of the target class;
 * - NCKD = T²·KL(q_t ‖ q_s), q = softmax(z − 1000·onehot(y)): the distribution over the other classes.
 * As megvii-research/mdistiller (mdistiller/distillers/DKD.py), with log b computed as log-sum-exps of z (the same
 * values, without the log 0 that log(1 − p_y) meets when p_y rounds to 1). With `standardize`, s and t are z-scored
 * per sample first (Sun et al., CVPR 2024). Zhao, Cui, Song, Qiu & Liang, "Decoupled Knowledge Distillation",
 * CVPR 2022.
 */
export function dkd(
  studentLogits: tf.Tensor,
  teacherLogits: tf.Tensor,
  labels: tf.Tensor1D,
  o: { alpha: number; beta: number; temperature: number; standardize?: boolean },
): tf.Scalar {
  return tf.tidy(() => {
    const T = o.temperature;
    const numClasses = studentLogits.shape.at(-1)!;
    const target = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), numClasses), 'float32');
    const prep = (z: tf.Tensor) => tf.div(o.standardize ? standardizeLogits(z) : z, T);
    const zs = prep(studentLogits);
    const zt = prep(teacherLogits);
    const masked = (z: tf.Tensor) => tf.sub(z, tf.mul(target, MASK));
    // log [p_y, 1 − p_y] per sample, [n, 2].
    const logBinary = (z: tf.Tensor) => {
      const lse = tf.logSumExp(z, -1, true);
      return tf.sub(tf.concat([tf.sum(tf.mul(z, target), -1, true), tf.logSumExp(masked(z), -1, true)], -1), lse);
    };
    const kl = (logP: tf.Tensor, logQ: tf.Tensor) => tf.mean(tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), -1));
    const tckd = kl(logBinary(zt), logBinary(zs));
    const nckd = kl(tf.logSoftmax(masked(zt)), tf.logSoftmax(masked(zs)));
    return tf.mul(tf.add(tf.mul(tckd, o.alpha), tf.mul(nckd, o.beta)), T * T) as tf.Scalar;
  });
}

/**
 * Loss term `dkd`: {@link dkd} with parameters `alpha` (1), `beta` (8), `temperature` (4), `standardize` (false). On
 * images mixed in pairs its target class is the dominant image's label ({@link dominantLabels}): TCKD and NCKD are
 * split around one class, and a mixed image has no single one.
 */
export const dkdTerm: LossTerm<Params> = {
  name: 'dkd',
  description: 'α·TCKD + β·NCKD: target-class and non-target KL at T, × T² (Zhao et al., Decoupled KD, CVPR 2022)',
  params: Params,
  needsTeacher: true,
  taps: () => ({ student: [], teacher: [] }),
  create: (p) => (s, t, labels, mix) => {
    if (!t) throw new Error('dkd needs teacher outputs');
    return mix ? tf.tidy(() => dkd(s.logits, t.logits, dominantLabels(labels, mix), p)) : dkd(s.logits, t.logits, labels, p);
  },
};
