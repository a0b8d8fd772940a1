import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { LossTerm } from '../core/types.js';
import { DEFAULT_RECIPE } from '../config/schema.js';
import { standardizeLogits } from './standardize.js';

// The default temperature is the default recipe's: one source, so a soft-kl term given without one trains at the
// temperature the recipe search and the docs assume.
const Params = z
  .object({
    temperature: z.number().positive().default(DEFAULT_RECIPE.temperature),
    /** Z-score each logit vector before the temperature ({@link standardizeLogits}). */
    standardize: z.boolean().default(false),
  })
  .strict();
type Params = z.infer<typeof Params>;

/**
 * T² · KL(softmax(t/T) ‖ softmax(s/T)) averaged over the batch, with s, t the student's and teacher's logits.
 * The T² keeps this term's gradients on the scale of the hard-label term as T changes (the soft-target gradients
 * scale as 1/T²). Hinton, Vinyals & Dean, "Distilling the Knowledge in a Neural Network", 2015.
 * With `standardize`, s and t are each z-scored per sample first ({@link standardizeLogits}; Sun et al., "Logit
 * Standardization in Knowledge Distillation", CVPR 2024).
 */
export function softKl(studentLogits: tf.Tensor, teacherLogits: tf.Tensor, temperature: number, standardize = false): tf.Scalar {
  return tf.tidy(() => {
    const s = standardize ? standardizeLogits(studentLogits) : studentLogits;
    const t = standardize ? standardizeLogits(teacherLogits) : teacherLogits;
    const logPs = tf.logSoftmax(tf.div(s, temperature));
    const logPt = tf.logSoftmax(tf.div(t, temperature));
    const pt = tf.exp(logPt);
    const kl = tf.sum(tf.mul(pt, tf.sub(logPt, logPs)), -1);
    return tf.mul(tf.mean(kl), temperature * temperature) as tf.Scalar;
  });
}

/**
 * Loss term `soft-kl`: {@link softKl} with parameters `temperature` (default: the default recipe's,
 * {@link DEFAULT_RECIPE}) and `standardize` (default false).
 */
export const softKlTerm: LossTerm<Params> = {
  name: 'soft-kl',
  description: 'T²·KL(softmax(t/T) ‖ softmax(s/T)), batch mean (Hinton et al. 2015); standardize: z-scored logits (Sun et al. 2024)',
  params: Params,
  needsTeacher: true,
  taps: () => ({ student: [], teacher: [] }),
  create: (p) => (s, t) => {
    if (!t) throw new Error('soft-kl needs teacher outputs');
    return softKl(s.logits, t.logits, p.temperature, p.standardize ?? false);
  },
};
