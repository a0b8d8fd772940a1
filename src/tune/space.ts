import { createRng } from '../core/random.js';
import type { LossConfig } from '../config/schema.js';

/** A distillation recipe: the loss mix and the learning rate. */
export interface Recipe {
  /** Weight of soft-kl; hard-ce gets 1 − softWeight. 0 means training from labels only (the baseline). */
  softWeight: number;
  temperature: number;
  /** Weight of feature-mse on the penultimate taps (0 = off). */
  featureWeight: number;
  learningRate: number;
}

export const TEMPERATURES = [1, 2, 3, 4, 6, 8];
export const SOFT_WEIGHTS = [0.25, 0.5, 0.75, 0.9, 0.95];
export const FEATURE_WEIGHTS = [0, 0, 0.1, 0.5, 1];
export const LR_RANGE: [number, number] = [3e-4, 1e-2];

const pick = <T>(xs: readonly T[], u: number): T => xs[Math.min(xs.length - 1, Math.floor(u * xs.length))]!;
const logUniform = (u: number, [lo, hi]: [number, number]) => Number((lo * (hi / lo) ** u).toPrecision(2));

/**
 * `n` seeded random distillation recipes. The first is always the configured one (by default the documented
 * default recipe), so the search can only do as well as or better than it on val; draws equal to it are skipped.
 */
export function sampleRecipes(n: number, seed: number, features: boolean, base: Recipe): Recipe[] {
  const rng = createRng(seed);
  const out: Recipe[] = [{ ...base, featureWeight: features ? base.featureWeight : 0 }];
  const same = (a: Recipe, b: Recipe) => a.softWeight === b.softWeight && a.temperature === b.temperature && a.featureWeight === b.featureWeight && a.learningRate === b.learningRate;
  while (out.length < n) {
    const r = {
      softWeight: pick(SOFT_WEIGHTS, rng()),
      temperature: pick(TEMPERATURES, rng()),
      featureWeight: features ? pick(FEATURE_WEIGHTS, rng()) : (rng(), 0),
      learningRate: logUniform(rng(), LR_RANGE),
    };
    if (!same(r, out[0]!)) out.push(r);
  }
  return out;
}

/** `n` seeded learning rates for the from-scratch baseline (the same range the recipes draw from), first = base. */
export function sampleScratch(n: number, seed: number, baseLr: number): Recipe[] {
  const rng = createRng(seed + 7919);
  const out: Recipe[] = [{ softWeight: 0, temperature: 1, featureWeight: 0, learningRate: baseLr }];
  while (out.length < n) out.push({ softWeight: 0, temperature: 1, featureWeight: 0, learningRate: logUniform(rng(), LR_RANGE) });
  return out;
}

/** The loss config of a recipe. */
export function recipeLoss(r: Recipe): LossConfig {
  const terms: LossConfig['terms'] = [];
  if (r.softWeight > 0) terms.push({ kind: 'soft-kl', weight: r.softWeight, temperature: r.temperature });
  const hard = r.softWeight > 0 ? Number((1 - r.softWeight).toFixed(4)) : 1;
  if (hard > 0) terms.push({ kind: 'hard-ce', weight: hard });
  if (r.featureWeight > 0) terms.push({ kind: 'feature-mse', weight: r.featureWeight, student: 'penultimate', teacher: 'penultimate' });
  return { terms };
}

/** The CLI flags that reproduce a recipe. */
export function recipeFlags(r: Recipe): string {
  if (r.softWeight === 0) return `--loss hard-ce=1 --lr ${r.learningRate}`;
  const loss = `--loss soft-kl=${r.softWeight},hard-ce=${Number((1 - r.softWeight).toFixed(4))} --temperature ${r.temperature}`;
  const feat = r.featureWeight > 0 ? ` --feature student:penultimate=teacher:penultimate@${r.featureWeight}` : '';
  return `${loss}${feat} --lr ${r.learningRate}`;
}

/** Short text of a recipe for tables. */
export function describeRecipe(r: Recipe): string {
  if (r.softWeight === 0) return `scratch lr ${r.learningRate}`;
  return `soft ${r.softWeight} T ${r.temperature}${r.featureWeight ? ` feat ${r.featureWeight}` : ''} lr ${r.learningRate}`;
}
