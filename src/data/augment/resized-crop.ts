import { z } from 'zod';
import { randomInt, type AugmentOp } from './op.js';

const range = (max: number) =>
  z
    .tuple([z.number().positive().max(max), z.number().positive().max(max)])
    .refine(([lo, hi]) => lo <= hi, { message: 'expected [low, high] with low ≤ high' });

const Params = z
  .object({
    /** Range of the box's area as a fraction of the image's. */
    scale: range(1).default([0.08, 1]),
    /** Range of the box's aspect ratio (width / height), drawn log-uniform. */
    ratio: range(Infinity).default([3 / 4, 4 / 3]),
  })
  .strict();
type Params = z.infer<typeof Params>;

/** A box of an image in pixels: rows top..top+height−1, columns left..left+width−1. */
export interface PixelBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * The box of a random resized crop, as torchvision's RandomResizedCrop.get_params: up to 10 tries of an area
 * uniform in `scale`·H·W and an aspect ratio log-uniform in `ratio` (draws: area, ratio, then top, left once the box
 * fits); when none fits, the largest centred box whose ratio is clamped to `ratio`.
 */
export function resizedCropBox(H: number, W: number, scale: readonly [number, number], ratio: readonly [number, number], rng: () => number): PixelBox {
  const area = H * W;
  const [logLo, logHi] = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (scale[0] + (scale[1] - scale[0]) * rng());
    const aspect = Math.exp(logLo + (logHi - logLo) * rng());
    const width = Math.round(Math.sqrt(target * aspect));
    const height = Math.round(Math.sqrt(target / aspect));
    if (width > 0 && width <= W && height > 0 && height <= H) {
      const top = randomInt(rng, H - height + 1);
      return { top, left: randomInt(rng, W - width + 1), height, width };
    }
  }
  const inRatio = W / H;
  let width = W;
  let height = H;
  if (inRatio < ratio[0]) height = Math.round(W / ratio[0]);
  else if (inRatio > ratio[1]) width = Math.round(H * ratio[1]);
  return { top: Math.floor((H - height) / 2), left: Math.floor((W - width) / 2), height, width };
}

/**
 * Op `resized-crop`: a random box per image ({@link resizedCropBox}, torchvision's defaults: scale 0.08–1, ratio
 * 3/4–4/3) resized back to the image's size, bilinear from the box's first pixel centre to its last
 * (tf.image.cropAndResize; torchvision resizes with half-pixel centres and antialiasing, a sub-pixel difference).
 * The "Inception" crop of Szegedy et al., "Going Deeper with Convolutions", CVPR 2015.
 */
export const resizedCropOp: AugmentOp<Params> = {
  name: 'resized-crop',
  description: 'random box (area scale 0.08–1, aspect ratio 3/4–4/3) resized back to the image size (Szegedy et al., CVPR 2015)',
  params: Params,
  main: 'scale',
  mixes: false,
  apply(tf, x, p, rng) {
    const [n, H, W] = x.shape;
    const boxes = Array.from({ length: n }, () => resizedCropBox(H, W, p.scale, p.ratio, rng));
    // cropAndResize's normalised coordinates: y·(H − 1) is a row, so these put the box's corners on pixel centres.
    const norm = (v: number, size: number) => (size > 1 ? v / (size - 1) : 0);
    const coords = boxes.flatMap((b) => [norm(b.top, H), norm(b.left, W), norm(b.top + b.height - 1, H), norm(b.left + b.width - 1, W)]);
    return {
      x: tf.tidy(() => tf.image.cropAndResize(x, tf.tensor2d(coords, [n, 4]), tf.tensor1d(Array.from({ length: n }, (_, i) => i), 'int32'), [H, W], 'bilinear')),
    };
  },
};
