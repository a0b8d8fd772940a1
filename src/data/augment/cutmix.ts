import { z } from 'zod';
import { betaDraw } from './beta.js';
import { partners } from './mixup.js';
import type * as tfType from '@tensorflow/tfjs';
import { randomInt, type AugmentOp, type TF } from './op.js';
import type { PixelBox } from './resized-crop.js';

const Params = z
  .object({
    /** λ ~ Beta(alpha, alpha) sets the box's area, (1 − λ)·H·W before clipping; 1 as the paper and torchvision. */
    alpha: z.number().positive().default(1),
  })
  .strict();
type Params = z.infer<typeof Params>;

/**
 * The box CutMix pastes, as the reference (clovaai/CutMix-PyTorch, rand_bbox): sides ⌊H·√(1 − λ)⌋ × ⌊W·√(1 − λ)⌋
 * around a centre uniform over the pixels (draws: row, then column), each half-side ⌊side/2⌋, clipped to the image.
 */
export function cutmixBox(H: number, W: number, lambda: number, rng: () => number): PixelBox {
  const cut = Math.sqrt(1 - lambda);
  const [ch, cw] = [Math.floor(H * cut), Math.floor(W * cut)];
  const cy = randomInt(rng, H);
  const cx = randomInt(rng, W);
  const clip = (v: number, size: number) => Math.min(size, Math.max(0, v));
  const [y1, y2] = [clip(cy - Math.floor(ch / 2), H), clip(cy + Math.floor(ch / 2), H)];
  const [x1, x2] = [clip(cx - Math.floor(cw / 2), W), clip(cx + Math.floor(cw / 2), W)];
  return { top: y1, left: x1, height: y2 - y1, width: x2 - x1 };
}

/** Each image with the pixels of `box` taken from its partner image perm[i] (a new tensor). */
export function pasteBox(tf: TF, x: tfType.Tensor4D, perm: Int32Array, box: PixelBox): tfType.Tensor4D {
  const [, H, W] = x.shape;
  const inBox = new Uint8Array(H * W);
  for (let r = box.top; r < box.top + box.height; r++) inBox.fill(1, r * W + box.left, r * W + box.left + box.width);
  return tf.tidy(() => tf.where(tf.tensor4d(inBox, [1, H, W, 1], 'bool'), tf.gather(x, tf.tensor1d(perm, 'int32')), x) as tfType.Tensor4D);
}

/**
 * Op `cutmix`: one λ ~ Beta(α, α) per batch (draw 1), a partner permutation (draw 2), one box for the batch
 * ({@link cutmixBox}, draws 3–4) where each image takes its partner's pixels; λ is then set to the share of pixels
 * the image kept, 1 − box area/(H·W), so the labels are mixed in exactly the proportion the pixels are. Yun et al.,
 * "CutMix: Regularization Strategy to Train Strong Classifiers with Localizable Features", ICCV 2019.
 */
export const cutmixOp: AugmentOp<Params> = {
  name: 'cutmix',
  description: "a box of area ≈ (1 − λ)·H·W from the partner image, λ ~ Beta(α, α), α 1; λ set to the pixels kept (Yun et al., CutMix, ICCV 2019)",
  params: Params,
  main: 'alpha',
  mixes: true,
  apply(tf, x, p, rng) {
    const [n, H, W] = x.shape;
    const drawn = betaDraw(p.alpha, p.alpha, rng);
    const perm = partners(n, rng);
    const box = cutmixBox(H, W, drawn, rng);
    const lambda = 1 - (box.height * box.width) / (H * W);
    return { x: pasteBox(tf, x, perm, box), mix: { perm, lambda: new Float32Array(n).fill(lambda) } };
  },
};
