/** What every augmentation op is: a named, seeded transform of an NHWC batch (see ./index.ts for the registry). */
import type * as tfType from '@tensorflow/tfjs';
import type { z } from 'zod';
import type { LabelMix } from '../../core/types.js';
import type { Named } from '../../core/registry.js';

/** tfjs, passed in by the caller (so parsing a spec on the command line never loads it). */
export type TF = typeof tfType;

/** An augmented batch: new images (the caller's to dispose) and, for an op that mixes images in pairs, how. */
export interface Augmented {
  x: tfType.Tensor4D;
  mix?: LabelMix;
}

/** One augmentation op (crop, flip, mixup, ...). */
export interface AugmentOp<P = unknown> extends Named {
  name: string;
  /** One line: what it does and where it comes from. */
  description: string;
  params: z.ZodType<P>;
  /** The parameter `NAME=V` in a spec sets (others: `NAME:KEY=V`). */
  main?: keyof P & string;
  /** True when the op mixes images in pairs, so their labels must be mixed too (mixup, cutmix). */
  mixes: boolean;
  /**
   * Augments `x` (left untouched) with every random draw taken from `rng`, in a fixed order, so the same generator
   * state gives the same output. Runs outside any gradient: augmentation is part of the input.
   */
  apply(tf: TF, x: tfType.Tensor4D, p: P, rng: () => number): Augmented;
}

/** An integer in [0, n) from one draw. */
export const randomInt = (rng: () => number, n: number): number => Math.min(n - 1, Math.floor(rng() * n));
