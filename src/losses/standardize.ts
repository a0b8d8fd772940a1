import * as tf from '@tensorflow/tfjs';

/** The ε added to each logit vector's standard deviation (the reference implementation's 1e-7). */
export const STANDARDIZE_EPSILON = 1e-7;

/**
 * Logit standardisation: each row z of `logits` [n, K] becomes (z − mean(z)) / (std(z) + ε), so that the softmax
 * that follows sees the logits' relations rather than their range. std is the sample standard deviation (divisor
 * K − 1), as the reference code computes it (torch's `Tensor.std`); ε = {@link STANDARDIZE_EPSILON}. Sun, Zhu, Wang
 * et al., "Logit Standardization in Knowledge Distillation", CVPR 2024.
 */
export function standardizeLogits(logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const k = logits.shape.at(-1)!;
    const centred = tf.sub(logits, tf.mean(logits, -1, true));
    const variance = tf.div(tf.sum(tf.square(centred), -1, true), Math.max(1, k - 1));
    // A constant row has variance 0, where sqrt's gradient is infinite (and 0·∞ = NaN): flooring the variance at ε²
    // keeps the gradient finite there and leaves every other row's value as the reference computes it.
    const std = tf.sqrt(tf.maximum(variance, STANDARDIZE_EPSILON * STANDARDIZE_EPSILON));
    return tf.div(centred, tf.add(std, STANDARDIZE_EPSILON));
  });
}
