import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { LabelMix, LossTerm } from '../core/types.js';
import { mixedOneHot } from './label-mix.js';

const Params = z.object({}).strict();

/**
 * Cross-entropy of the student's logits against the true labels, batch mean: −mean_i log softmax(s_i)[y_i]. With
 * `mix` (images mixed in pairs): λ_i·CE(y_i) + (1 − λ_i)·CE(y_perm(i)) per image ({@link mixedOneHot}).
 */
export function hardCe(studentLogits: tf.Tensor, labels: tf.Tensor1D, numClasses: number, mix?: LabelMix): tf.Scalar {
  return tf.tidy(() => {
    const logP = tf.logSoftmax(studentLogits);
    const onehot = mix ? mixedOneHot(labels, numClasses, mix) : tf.oneHot(tf.cast(labels, 'int32'), numClasses);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logP), -1))) as tf.Scalar;
  });
}

/** Loss term `hard-ce`: the ordinary supervised loss on the hard labels. */
export const hardCeTerm: LossTerm<z.infer<typeof Params>> = {
  name: 'hard-ce',
  description: 'cross-entropy with the true labels, −mean log softmax(s)[y]',
  params: Params,
  needsTeacher: false,
  taps: () => ({ student: [], teacher: [] }),
  create: (_p, ctx) => (s, _t, labels, mix) => hardCe(s.logits, labels, ctx.numClasses, mix),
};
