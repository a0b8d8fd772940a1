import { z } from 'zod';
import { UserError } from '../../core/errors.js';
import { randomInt, type AugmentOp } from './op.js';

const Params = z
  .object({
    /** Pixels added on each side before cropping back. */
    pad: z.number().int().positive().default(4),
    /** What the border holds: the image mirrored at its edge (`reflect`), or 0 (`zero`: the data's mean, once normalised). */
    fill: z.enum(['reflect', 'zero']).default('reflect'),
  })
  .strict();
type Params = z.infer<typeof Params>;

/**
 * Op `crop`: pads each image by `pad` pixels (4) on every side, mirrored (`reflect`, default) or with zeros, and cuts
 * an image of the original size back out at a random offset: per image, the row offset then the column offset, each
 * uniform on 0..2·pad. The CIFAR recipe of He et al., "Deep Residual Learning", CVPR 2016 (torchvision RandomCrop
 * with padding). Reflect is the default because a zero border in normalised data is a grey frame, not black.
 */
export const padCropOp: AugmentOp<Params> = {
  name: 'crop',
  description: 'pad by pad (4) pixels, reflect or zero, then crop back at a random offset (He et al., CVPR 2016)',
  params: Params,
  main: 'pad',
  mixes: false,
  apply(tf, x, p, rng) {
    const [n, h, w, c] = x.shape;
    if (p.fill === 'reflect' && (p.pad >= h || p.pad >= w)) {
      throw new UserError(`--augment crop=${p.pad}: a reflected border of ${p.pad} pixels needs images larger than that (these are ${h}x${w}); give a smaller pad or crop:fill=zero`);
    }
    const offsets = Array.from({ length: n }, () => [randomInt(rng, 2 * p.pad + 1), randomInt(rng, 2 * p.pad + 1)] as const);
    return {
      x: tf.tidy(() => {
        const pads: [number, number][] = [[0, 0], [p.pad, p.pad], [p.pad, p.pad], [0, 0]];
        const padded = p.fill === 'reflect' ? tf.mirrorPad(x, pads, 'reflect') : tf.pad(x, pads);
        return tf.concat(offsets.map(([oy, ox], i) => tf.slice(padded, [i, oy, ox, 0], [1, h, w, c])), 0) as typeof x;
      }),
    };
  },
};
