/** Labels of images mixed in pairs (mixup, cutmix): the terms that read labels mix them as the images were. */
import * as tf from '@tensorflow/tfjs';
import type { LabelMix } from '../core/types.js';

/**
 * One-hot targets of mixed images, [n, numClasses]: λ_i · onehot(y_i) + (1 − λ_i) · onehot(y_perm(i)), so a
 * cross-entropy against them is λ·CE(y) + (1 − λ)·CE(y[perm]) (Zhang et al., mixup, ICLR 2018; Yun et al., CutMix,
 * ICCV 2019). Call inside a tidy.
 */
export function mixedOneHot(labels: tf.Tensor1D, numClasses: number, mix: LabelMix): tf.Tensor2D {
  const onehot = tf.oneHot(tf.cast(labels, 'int32'), numClasses);
  const partner = mix.partner ? tf.oneHot(tf.tensor1d(mix.partner, 'int32'), numClasses) : tf.gather(onehot, tf.tensor1d(mix.perm, 'int32'));
  const lambda = tf.tensor2d(mix.lambda, [mix.lambda.length, 1]);
  return tf.add(tf.mul(onehot, lambda), tf.mul(partner, tf.sub(1, lambda))) as tf.Tensor2D;
}

/**
 * The label of the image that dominates each mixed image: y_i where λ_i ≥ 1/2, else y_perm(i). For terms built
 * around one target class (dkd), which have no mixed form. Call inside a tidy.
 */
export function dominantLabels(labels: tf.Tensor1D, mix: LabelMix): tf.Tensor1D {
  const y = tf.cast(labels, 'int32');
  const own = tf.greaterEqual(tf.tensor1d(mix.lambda), 0.5);
  const partner = mix.partner ? tf.tensor1d(mix.partner, 'int32') : tf.gather(y, tf.tensor1d(mix.perm, 'int32'));
  return tf.where(own, y, partner) as tf.Tensor1D;
}
