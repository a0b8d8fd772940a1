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

/**
 * {@link hardCe} over the labelled samples of a batch only (label ≥ 0): −Σ_{i: y_i ≥ 0} log softmax(s_i)[y_i] / #{i: y_i ≥ 0},
 * 0 for a batch without any. Used when unlabeled images (label -1) train next to labelled ones.
 */
export function maskedHardCe(studentLogits: tf.Tensor, labels: tf.Tensor1D, numClasses: number): tf.Scalar {
  return tf.tidy(() => {
    const mask = tf.cast(tf.greaterEqual(labels, 0), 'float32');
    const onehot = tf.oneHot(tf.cast(tf.maximum(labels, 0), 'int32'), numClasses);
    const ce = tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(studentLogits)), -1));
    return tf.div(tf.sum(tf.mul(ce, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}

/** Loss term `hard-ce`: the ordinary supervised loss on the hard labels. */
export const hardCeTerm: LossTerm<z.infer<typeof Params>> = {
  name: 'hard-ce',
  description: 'cross-entropy with the true labels, −mean log softmax(s)[y]',
  params: Params,
  needsTeacher: false,
  taps: () => ({ student: [], teacher: [] }),
  // Partial labels take the masked form; fully labelled data keeps the plain mean (the same bits as before).
  create: (_p, ctx) => (ctx.partialLabels ? (s, _t, labels) => maskedHardCe(s.logits, labels, ctx.numClasses) : (s, _t, labels, mix) => hardCe(s.logits, labels, ctx.numClasses, mix)),
};
