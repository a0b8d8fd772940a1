import { z } from 'zod';
import type { AugmentOp } from './op.js';

const Params = z
  .object({
    /** Probability that an image is mirrored. */
    p: z.number().min(0).max(1).default(0.5),
  })
  .strict();
type Params = z.infer<typeof Params>;

/** Op `flip`: each image mirrored left to right with probability `p` (0.5), one draw per image in batch order. */
export const flipOp: AugmentOp<Params> = {
  name: 'flip',
  description: 'horizontal flip of each image with probability p (0.5)',
  params: Params,
  main: 'p',
  mixes: false,
  apply(tf, x, p, rng) {
    const n = x.shape[0];
    const flips = Uint8Array.from({ length: n }, () => (rng() < p.p ? 1 : 0));
    return {
      x: tf.tidy(() => {
        const cond = tf.tensor4d(flips, [n, 1, 1, 1], 'bool');
        return tf.where(cond, tf.reverse(x, 2), x) as typeof x;
      }),
    };
  },
};
