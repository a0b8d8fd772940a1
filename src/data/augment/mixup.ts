import { z } from 'zod';
import { permutation } from '../../core/random.js';
import { betaDraw } from './beta.js';
import type * as tfType from '@tensorflow/tfjs';
import type { AugmentOp, TF } from './op.js';

const Params = z
  .object({
    /** λ ~ Beta(alpha, alpha); 1 (torchvision's MixUp default) draws λ uniform on [0, 1]. */
    alpha: z.number().positive().default(1),
  })
  .strict();
type Params = z.infer<typeof Params>;

/** The partner of each image: a seeded permutation of the batch, its seed one draw of `rng`. */
export const partners = (n: number, rng: () => number): Int32Array => permutation(n, Math.floor(rng() * 2 ** 32));

/** λ·x_i + (1 − λ)·x_perm(i) for every image i (a new tensor). */
export function mixImages(tf: TF, x: tfType.Tensor4D, perm: Int32Array, lambda: number): tfType.Tensor4D {
  return tf.tidy(() => tf.add(tf.mul(x, lambda), tf.mul(tf.gather(x, tf.tensor1d(perm, 'int32')), 1 - lambda)) as tfType.Tensor4D);
}

/**
 * Op `mixup`: one λ ~ Beta(α, α) per batch (draw 1), each image paired with image perm[i] of a seeded permutation
 * (draw 2 seeds it), x_i ← λ·x_i + (1 − λ)·x_perm(i); the labels are mixed the same way by the loss. Zhang, Cisse,
 * Dauphin & Lopez-Paz, "mixup: Beyond Empirical Risk Minimization", ICLR 2018.
 */
export const mixupOp: AugmentOp<Params> = {
  name: 'mixup',
  description: 'x ← λ·x + (1 − λ)·x[perm], λ ~ Beta(α, α) per batch, α 1 (Zhang et al., mixup, ICLR 2018)',
  params: Params,
  main: 'alpha',
  mixes: true,
  apply(tf, x, p, rng) {
    const n = x.shape[0];
    const lambda = betaDraw(p.alpha, p.alpha, rng);
    const perm = partners(n, rng);
    return { x: mixImages(tf, x, perm, lambda), mix: { perm, lambda: new Float32Array(n).fill(lambda) } };
  },
};
