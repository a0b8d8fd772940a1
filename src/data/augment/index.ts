/**
 * Batch augmentation: a registry of ops (one per file here), a parser of `--augment` specs, and the pipeline the
 * trainer runs on each training batch. Every draw comes from one generator seeded by (seed, epoch, step), so a batch's
 * augmentation is replayed exactly, e.g. by a resumed run.
 */
import type * as tfType from '@tensorflow/tfjs';
import { UserError } from '../../core/errors.js';
import { createRng } from '../../core/random.js';
import { createRegistry } from '../../core/registry.js';
import type { LabelMix } from '../../core/types.js';
import type { AugmentOpConfig } from '../../config/schema.js';
import { validate } from '../../config/load.js';
import type { AugmentOp, Augmented, TF } from './op.js';
import { padCropOp } from './pad-crop.js';
import { resizedCropOp } from './resized-crop.js';
import { flipOp } from './flip.js';
import { mixupOp } from './mixup.js';
import { cutmixOp } from './cutmix.js';

export type { AugmentOp, Augmented } from './op.js';

/** The augmentation ops, by name. Adding one: a file in this folder, a line here, a test with hand-worked values. */
export const augmentOps = createRegistry<AugmentOp<any>>('augmentation op');
augmentOps.register(padCropOp);
augmentOps.register(resizedCropOp);
augmentOps.register(flipOp);
augmentOps.register(mixupOp);
augmentOps.register(cutmixOp);

const unknownOp = (where: string, name: string) =>
  new UserError(`${where}: unknown augmentation op "${name}"; the ops are ${augmentOps.names().join(', ')} (e.g. --augment crop,flip,mixup=0.2)`);

/**
 * Checks each op's parameters and fills in their defaults, so config.json records every value the run used. At most
 * one op may mix images (a mixed label has one partner), and it must come last: an op after it would move pixels
 * whose label share is already counted. `where(i, op)` names an op in errors.
 */
export function resolveAugment(ops: readonly AugmentOpConfig[], where: (i: number, op: string) => string): AugmentOpConfig[] {
  const out = ops.map((raw, i) => {
    const { op, ...rest } = raw;
    if (!augmentOps.has(op)) throw unknownOp(where(i, op), op);
    return { op, ...(validate(augmentOps.get(op).params, rest, where(i, op)) as object) };
  });
  const mixing = out.filter((o) => augmentOps.get(o.op).mixes).map((o) => o.op);
  if (mixing.length > 1) throw new UserError(`${where(out.length - 1, out.at(-1)!.op)}: ${mixing.join(' and ')} each mix images in pairs; keep one (a mixed image's label has a single partner)`);
  if (mixing.length === 1 && !augmentOps.get(out.at(-1)!.op).mixes) throw new UserError(`${where(out.length - 1, out.at(-1)!.op)}: put ${mixing[0]} last (an op after it would move pixels whose share of the label it has already counted)`);
  return out;
}

/** A spec value: a number, a range `LOW-HIGH` ([low, high]), true/false, or the text itself (also --loss's `TERM=W:KEY=V`). */
export function specValue(v: string): unknown {
  const num = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
  if (num.test(v)) return Number(v);
  const dash = v.indexOf('-', 1);
  if (dash > 0 && num.test(v.slice(0, dash)) && num.test(v.slice(dash + 1))) return [Number(v.slice(0, dash)), Number(v.slice(dash + 1))];
  if (v === 'true' || v === 'false') return v === 'true';
  return v;
}

/**
 * Parses `--augment`: ops separated by commas, applied in that order; `NAME=V` sets the op's main parameter (crop's
 * pad, flip's p, mixup's and cutmix's alpha, resized-crop's scale), `NAME:KEY=V` any other, e.g.
 * `crop=2:fill=zero,flip,mixup=0.2` or `resized-crop=0.25-1:ratio=0.75-1.33`. `none` (or nothing) is no augmentation.
 * Returns the ops with every parameter resolved.
 */
export function parseAugmentSpec(spec: string, flag = '--augment'): AugmentOpConfig[] {
  const whole = `${flag} ${spec}`;
  const trimmed = spec.trim();
  if (trimmed === '' || trimmed === 'none') return [];
  const raw = trimmed.split(',').map((item) => {
    const [head = '', ...pairs] = item.trim().split(':');
    const eq = head.indexOf('=');
    const name = eq < 0 ? head : head.slice(0, eq);
    if (!augmentOps.has(name)) throw unknownOp(whole, name);
    const op = augmentOps.get(name);
    const cfg: Record<string, unknown> = { op: name };
    if (eq >= 0) {
      if (!op.main) throw new UserError(`${whole}: ${name} has no main parameter to set with ${name}=V; use ${name}:KEY=V`);
      cfg[op.main] = specValue(head.slice(eq + 1));
    }
    for (const pair of pairs) {
      const at = pair.indexOf('=');
      if (at <= 0) throw new UserError(`${whole}: "${pair}" is not KEY=VALUE (e.g. crop:fill=zero)`);
      cfg[pair.slice(0, at)] = specValue(pair.slice(at + 1));
    }
    return cfg as AugmentOpConfig;
  });
  return resolveAugment(raw, (_i, op) => `${whole}: ${op}`);
}

/** A spec value back as text: the inverse of {@link specValue} (ranges as `LOW-HIGH`). */
export function specText(v: unknown): string {
  return Array.isArray(v) ? v.map(String).join('-') : String(v);
}

/**
 * The `--augment` spec of resolved ops, every parameter spelt out (`crop=4:fill=reflect,flip=0.5`): parsing it with
 * {@link parseAugmentSpec} gives the same ops back. `none` for no ops.
 */
export function augmentSpec(ops: readonly AugmentOpConfig[]): string {
  if (ops.length === 0) return 'none';
  return ops
    .map(({ op, ...p }) => {
      const main = augmentOps.get(op).main;
      const head = main !== undefined && main in p ? `${op}=${specText(p[main])}` : op;
      const rest = Object.entries(p).filter(([k]) => k !== main).map(([k, v]) => `:${k}=${specText(v)}`);
      return head + rest.join('');
    })
    .join(',');
}

/** The ops and their parameters in one line, for logs: `crop(pad=4, fill=reflect), flip(p=0.5)`. */
export function describeAugment(ops: readonly AugmentOpConfig[]): string {
  if (ops.length === 0) return 'none';
  return ops.map(({ op, ...p }) => `${op}(${Object.entries(p).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('-') : String(v)}`).join(', ')})`).join(', ');
}

// murmur3's 32-bit finaliser: a bijection, so different steps of an epoch always get different seeds.
const fmix32 = (h: number): number => {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

/** The seed of the augmentation draws of one batch: a hash of (seed, epoch, step), distinct for distinct steps. */
export function augmentSeed(seed: number, epoch: number, step: number): number {
  return fmix32(fmix32(fmix32(seed >>> 0) ^ epoch) ^ step);
}

// Salts the view seeds so view k of image i never shares a stream with step i of epoch k's batch seed.
const VIEW_SALT = 0x5f3759df;

/**
 * The seed of view `view` of image `image` (its index in the dataset): a hash of (seed, image, view), so a view is the
 * same whichever batch the image lands in, and a teacher cache of views can be replayed image by image (FKD: Shen &
 * Xing, "A Fast Knowledge Distillation Framework for Visual Recognition", ECCV 2022).
 */
export function viewSeed(seed: number, image: number, view: number): number {
  return fmix32(fmix32(fmix32((seed ^ VIEW_SALT) >>> 0) ^ image) ^ view);
}

/** A built augmentation pipeline. */
export interface AugmentPipeline {
  /** The resolved ops, as config.json records them. */
  ops: AugmentOpConfig[];
  /** True when an op mixes images in pairs (the loss then mixes the labels). */
  mixes: boolean;
  /**
   * The augmented batch at (seed, epoch, step): every op in order, all drawing from one generator seeded by
   * {@link augmentSeed}. `x` is left untouched; the result's `x` is the caller's.
   */
  apply(tf: TF, x: tfType.Tensor4D, at: { seed: number; epoch: number; step: number }): Augmented;
  /**
   * View `view` of each image of `x` (dataset indices `images`): image i augmented alone, every op drawing from a
   * generator seeded by {@link viewSeed}(seed, images[i], view), so the same image gets the same view in any batch.
   * Ops that mix images in pairs have no per-image view (a pair depends on the batch) and are refused.
   */
  applyViews(tf: TF, x: tfType.Tensor4D, images: ArrayLike<number>, view: number, seed: number): tfType.Tensor4D;
}

/** The pipeline of `ops` (resolved here, so unfilled params of a programmatic config work), or undefined for none. */
export function buildAugment(ops: readonly AugmentOpConfig[]): AugmentPipeline | undefined {
  if (ops.length === 0) return undefined;
  const resolved = resolveAugment(ops, (i, op) => `train.augment.${i} (${op})`);
  const steps = resolved.map(({ op, ...params }) => ({ op: augmentOps.get(op), params }));
  return {
    ops: resolved,
    mixes: steps.some((s) => s.op.mixes),
    apply(tf, x, at) {
      const rng = createRng(augmentSeed(at.seed, at.epoch, at.step));
      let cur = x;
      let mix: LabelMix | undefined;
      for (const s of steps) {
        const r = s.op.apply(tf, cur, s.params, rng);
        if (cur !== x) cur.dispose();
        cur = r.x;
        mix = r.mix ?? mix;
      }
      return mix ? { x: cur, mix } : { x: cur };
    },
    applyViews(tf, x, images, view, seed) {
      const mixing = steps.find((s) => s.op.mixes);
      if (mixing) throw new UserError(`--teacher-views: ${mixing.op.name} mixes images in pairs chosen per batch, so a view of one image cannot be stored or replayed; drop ${mixing.op.name} from --augment, or --teacher-views (the teacher then runs live)`);
      if (images.length !== x.shape[0]) throw new Error(`applyViews: ${images.length} image indices for a batch of ${x.shape[0]}`);
      const [, h, w, c] = x.shape;
      const one = Array.from({ length: x.shape[0] }, (_, i) =>
        tf.tidy(() => {
          const rng = createRng(viewSeed(seed, images[i]!, view));
          let cur = tf.slice(x, [i, 0, 0, 0], [1, h, w, c]) as tfType.Tensor4D;
          for (const s of steps) cur = s.op.apply(tf, cur, s.params, rng).x;
          return cur;
        }),
      );
      const out = tf.concat(one, 0) as tfType.Tensor4D;
      tf.dispose(one);
      return out;
    },
  };
}
