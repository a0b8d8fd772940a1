/**
 * The student's own input size (`--student-input HxW`): the teacher sees each image at its input size, the student
 * the same image resized to its own. One function makes that view for every stage (training, validation, export
 * parity, bench), so the student is measured on exactly the pixels it was trained on.
 */
import type * as tfType from '@tensorflow/tfjs';
import { UserError } from '../core/errors.js';
import type { Batch, Dataset, SplitName } from '../core/types.js';

/**
 * Resizes an NHWC batch to [h, w]: an average pool by the whole factor first when shrinking by 2× or more (so every
 * source pixel counts, as an area resize does), then bilinear with half-pixel centres (as browsers' canvas and
 * PIL do). The same size is returned as it is (a copy the caller owns).
 */
export function resizeImages(tf: typeof tfType, x: tfType.Tensor4D, [h, w]: readonly [number, number]): tfType.Tensor4D {
  return tf.tidy(() => {
    const [, H, W] = x.shape;
    if (H === h && W === w) return x.clone();
    const f = Math.min(Math.floor(H / h), Math.floor(W / w));
    const pooled = f >= 2 ? tf.avgPool(x, f, f, 'valid') : x;
    return tf.image.resizeBilinear(pooled, [h, w], false, true);
  });
}

/** Parses `--student-input HxW` or `HxWxC`; a C other than the data's is a {@link UserError} (checked by the caller). */
export function parseStudentInput(value: string, flag = '--student-input'): number[] {
  const dims = value.toLowerCase().split('x').map((d) => Number(d.trim()));
  if ((dims.length !== 2 && dims.length !== 3) || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new UserError(`${flag} ${value}: expected HxW or HxWxC in pixels, e.g. 24x24 or 24x24x3`);
  }
  return dims;
}

/**
 * The student's [h, w, c] given the data's and the configured `[h, w]` or `[h, w, c]` (undefined: the data's own).
 * The channel count must be the data's: converting colour to grey is the data's job (an image folder's input shape).
 */
export function studentInputShape(dataShape: readonly number[], configured: readonly number[] | undefined, flag = '--student-input'): number[] {
  if (!configured) return [...dataShape];
  const [h, w, c] = configured;
  const dc = dataShape[2]!;
  if (c !== undefined && c !== dc) throw new UserError(`${flag} ${configured.join('x')}: ${c} channel${c === 1 ? '' : 's'}, but the data has ${dc}; the student sees the teacher's images resized, so give HxW (or HxWx${dc})`);
  if (h! > dataShape[0]! || w! > dataShape[1]!) throw new UserError(`${flag} ${configured.join('x')}: larger than the images the data gives (${dataShape[0]}x${dataShape[1]}); the student's input is the teacher's image made smaller, so give at most ${dataShape[0]}x${dataShape[1]}`);
  return [h!, w!, dc];
}

/**
 * A view of `data` whose batches hold the student's input: each batch of the underlying data resized by
 * {@link resizeImages}. Splits, order and labels are the underlying data's, so the same index is the same image.
 */
export function studentView(tf: typeof tfType, data: Dataset, shape: readonly number[]): Dataset {
  const [h, w] = shape as [number, number];
  if (h === data.inputShape[0] && w === data.inputShape[1]) return data;
  return {
    name: data.name,
    inputShape: [h, w, data.inputShape[2]!],
    numClasses: data.numClasses,
    classNames: data.classNames,
    size: (split: SplitName) => data.size(split),
    async *batches(split, batchSize, opts) {
      for await (const b of data.batches(split, batchSize, opts)) {
        const x = resizeImages(tf, b.x as tfType.Tensor4D, [h, w]);
        b.x.dispose();
        yield { ...b, x } as Batch;
      }
    },
    fingerprint: () => `${data.fingerprint()}@${h}x${w}`,
  };
}
