import { createRng } from '../core/random.js';
import type { LossConfig } from '../config/schema.js';

/** The teacher terms a recipe can distil with (src/losses/). */
export const KD_TERMS = ['soft-kl', 'dkd', 'dist'] as const;
export type KdTerm = (typeof KD_TERMS)[number];

/**
 * A distillation recipe: the loss mix, the learning rate and the augmentation. The optional fields are left out at
 * their defaults, so a recipe of the plain soft-kl/hard-ce mix reads as it always did.
 */
export interface Recipe {
  /** The teacher term (absent: soft-kl). */
  kd?: KdTerm;
  /** Weight of the teacher term. 0 means training from labels only (the baseline). */
  softWeight: number;
  /** Weight of hard-ce; absent: 1 − softWeight (the classic KD mix; 1 for the baseline). */
  hardWeight?: number;
  /** The teacher term's temperature. */
  temperature: number;
  /** soft-kl and dkd: z-score the logits before the temperature (Sun et al., CVPR 2024); absent: false. */
  standardize?: boolean;
  /** dkd: weight of TCKD. */
  alpha?: number;
  /** dkd: weight of NCKD; dist: weight of the inter-class relation. */
  beta?: number;
  /** dist: weight of the intra-class relation. */
  gamma?: number;
  /** Weight of feature-mse on the penultimate taps (0 = off). */
  featureWeight: number;
  learningRate: number;
  /** The `--augment` spec the recipe trains with (absent: none). */
  augment?: string;
}

/**
 * The teacher terms the search draws, each as likely: Hinton's KL, the same on standardised logits (Sun et al., CVPR
 * 2024), DKD plain and standardised (Zhao et al., CVPR 2022), and DIST (Huang et al., NeurIPS 2022).
 */
export const KD_CHOICES: readonly { kd: KdTerm; standardize: boolean }[] = [
  { kd: 'soft-kl', standardize: false },
  { kd: 'soft-kl', standardize: true },
  { kd: 'dkd', standardize: false },
  { kd: 'dkd', standardize: true },
  { kd: 'dist', standardize: false },
];
export const TEMPERATURES = [1, 2, 3, 4, 6, 8];
/**
 * The teacher term's weight. Below 1 it is the classic mix with hard-ce at 1 − w; from 1 up hard-ce's weight is drawn
 * from {@link HARD_WEIGHTS}: logit-standardised KD weighs its KL 9 against CE 0.1 to 1 (Sun et al.), DKD 1 against CE 1,
 * and function matching (Beyer et al., CVPR 2022) reads no labels (hard-ce 0).
 */
export const SOFT_WEIGHTS = [0.25, 0.5, 0.75, 0.9, 0.95, 1, 2, 4, 9];
export const HARD_WEIGHTS = [0, 0.1, 0.5, 1];
/** dkd's α (TCKD) and β (NCKD); the paper's CIFAR setting is α 1, β 8. */
export const DKD_ALPHAS = [0.5, 1, 2];
export const DKD_BETAS = [1, 2, 4, 8];
/** dist's β (inter-class) and γ (intra-class); the paper's is β = γ = 1. */
export const DIST_BETAS = [0.5, 1, 2];
export const DIST_GAMMAS = [0.5, 1, 2];
export const FEATURE_WEIGHTS = [0, 0, 0.1, 0.5, 1];
export const LR_RANGE: [number, number] = [3e-4, 1e-2];
/**
 * The augmentations both searches draw from (`--augment` specs) when the run fixes none: none, the standard crop +
 * flip, and crop + flip with mixup or cutmix. A run with `--augment` searches only that one.
 */
export const AUGMENT_CHOICES = ['none', 'crop,flip', 'crop,flip,mixup', 'crop,flip,cutmix'];

/** What a search may draw from where the run restricts it (defaults: every choice above). */
export interface SearchChoices {
  /** `--augment` specs ('none' for none). */
  augments?: readonly string[];
  /** Teacher terms allowed (e.g. not dkd on data with unlabeled images: it needs every sample's class). */
  kd?: readonly KdTerm[];
}

/** Uniform draws a distillation recipe takes, whatever it draws (so the stream stays aligned across choices). */
export const DRAWS_PER_RECIPE = 10;
/** Uniform draws a from-scratch recipe takes: its learning rate and its augmentation. */
export const DRAWS_PER_SCRATCH = 2;

const pick = <T>(xs: readonly T[], u: number): T => xs[Math.min(xs.length - 1, Math.floor(u * xs.length))]!;
const logUniform = (u: number, [lo, hi]: [number, number]) => Number((lo * (hi / lo) ** u).toPrecision(2));
const augmentField = (spec: string) => (spec === 'none' ? {} : { augment: spec });

/** Two recipes are the same when they build the same loss and train at the same rate on the same augmentation. */
export const sameRecipe = (a: Recipe, b: Recipe): boolean =>
  JSON.stringify(recipeLoss(a)) === JSON.stringify(recipeLoss(b)) && a.learningRate === b.learningRate && (a.augment ?? 'none') === (b.augment ?? 'none');

/**
 * One seeded distillation recipe from {@link DRAWS_PER_RECIPE} uniform draws, in this order: teacher term
 * ({@link KD_CHOICES}), its weight, hard-ce's weight, temperature, dkd α, β (dkd's or dist's), dist γ, feature weight,
 * learning rate (log-uniform on {@link LR_RANGE}, 2 significant digits), augmentation. Draws a term does not use are
 * taken all the same and dropped.
 */
export function drawRecipe(u: readonly number[], features: boolean, choices: SearchChoices = {}): Recipe {
  const kds = KD_CHOICES.filter((c) => (choices.kd ?? KD_TERMS).includes(c.kd));
  const { kd, standardize } = pick(kds, u[0]!);
  const softWeight = pick(SOFT_WEIGHTS, u[1]!);
  const r: Recipe = { ...(kd === 'soft-kl' ? {} : { kd }), softWeight, temperature: pick(TEMPERATURES, u[3]!), featureWeight: 0, learningRate: 0 };
  if (softWeight >= 1) r.hardWeight = pick(HARD_WEIGHTS, u[2]!);
  if (standardize) r.standardize = true;
  if (kd === 'dkd') Object.assign(r, { alpha: pick(DKD_ALPHAS, u[4]!), beta: pick(DKD_BETAS, u[5]!) });
  if (kd === 'dist') Object.assign(r, { beta: pick(DIST_BETAS, u[5]!), gamma: pick(DIST_GAMMAS, u[6]!) });
  r.featureWeight = features ? pick(FEATURE_WEIGHTS, u[7]!) : 0;
  r.learningRate = logUniform(u[8]!, LR_RANGE);
  return { ...r, ...augmentField(pick(choices.augments ?? AUGMENT_CHOICES, u[9]!)) };
}

/**
 * `n` seeded random distillation recipes ({@link drawRecipe}). The first is always the configured one (by default the
 * documented default recipe), so the search can only do as well as or better than it on val; draws equal to it are
 * skipped.
 */
export function sampleRecipes(n: number, seed: number, features: boolean, base: Recipe, choices: SearchChoices = {}): Recipe[] {
  const rng = createRng(seed);
  const out: Recipe[] = [{ ...base, featureWeight: features ? base.featureWeight : 0 }];
  while (out.length < n) {
    const r = drawRecipe(Array.from({ length: DRAWS_PER_RECIPE }, rng), features, choices);
    if (!sameRecipe(r, out[0]!)) out.push(r);
  }
  return out;
}

/**
 * `n` seeded from-scratch recipes: learning rates from the range the distillation recipes draw from and
 * augmentations from the same choices, so the baseline is searched alike; the first is the base's rate and
 * augmentation.
 */
export function sampleScratch(n: number, seed: number, base: Pick<Recipe, 'learningRate' | 'augment'>, choices: SearchChoices = {}): Recipe[] {
  const rng = createRng(seed + 7919);
  const scratch = (learningRate: number, augment: string | undefined): Recipe => ({ softWeight: 0, temperature: 1, featureWeight: 0, learningRate, ...augmentField(augment ?? 'none') });
  const out: Recipe[] = [scratch(base.learningRate, base.augment)];
  while (out.length < n) {
    const [lr, aug] = [rng(), rng()];
    out.push(scratch(logUniform(lr, LR_RANGE), pick(choices.augments ?? AUGMENT_CHOICES, aug)));
  }
  return out;
}

/** The teacher term of a recipe as a loss term (undefined for the baseline). */
function kdTerm(r: Recipe): LossConfig['terms'][number] | undefined {
  if (r.softWeight <= 0) return undefined;
  const kind = r.kd ?? 'soft-kl';
  const std = r.standardize ? { standardize: true } : {};
  if (kind === 'soft-kl') return { kind, weight: r.softWeight, temperature: r.temperature, ...std };
  if (kind === 'dkd') return { kind, weight: r.softWeight, alpha: r.alpha ?? 1, beta: r.beta ?? 8, temperature: r.temperature, ...std };
  return { kind, weight: r.softWeight, beta: r.beta ?? 1, gamma: r.gamma ?? 1, temperature: r.temperature };
}

/** hard-ce's weight in a recipe. */
export const hardWeightOf = (r: Recipe): number => r.hardWeight ?? (r.softWeight > 0 ? Number((1 - r.softWeight).toFixed(4)) : 1);

/** The loss config of a recipe. */
export function recipeLoss(r: Recipe): LossConfig {
  const terms: LossConfig['terms'] = [];
  const kd = kdTerm(r);
  if (kd) terms.push(kd);
  const hard = hardWeightOf(r);
  if (hard > 0) terms.push({ kind: 'hard-ce', weight: hard });
  if (r.featureWeight > 0) terms.push({ kind: 'feature-mse', weight: r.featureWeight, student: 'penultimate', teacher: 'penultimate' });
  return { terms };
}

/** The CLI flags that reproduce a recipe (`--loss TERM=W:KEY=V,...`, `--feature`, `--lr`, `--augment`). */
export function recipeFlags(r: Recipe): string {
  const aug = r.augment ? ` --augment ${r.augment}` : '';
  const terms = recipeLoss(r).terms.filter((t) => t.kind !== 'feature-mse');
  const loss = terms.map(({ kind, weight, ...p }) => `${kind}=${weight}${Object.entries(p).map(([k, v]) => `:${k}=${String(v)}`).join('')}`).join(',');
  const feat = r.featureWeight > 0 ? ` --feature student:penultimate=teacher:penultimate@${r.featureWeight}` : '';
  return `--loss ${loss}${feat} --lr ${r.learningRate}${aug}`;
}

/** Short text of a recipe for tables. */
export function describeRecipe(r: Recipe): string {
  const aug = r.augment ? ` aug ${r.augment}` : '';
  if (r.softWeight === 0) return `scratch lr ${r.learningRate}${aug}`;
  const kind = r.kd ?? 'soft-kl';
  const name = `${kind === 'soft-kl' ? 'soft' : kind}${r.standardize ? '+ls' : ''}`;
  const params = kind === 'dkd' ? ` α ${r.alpha ?? 1} β ${r.beta ?? 8}` : kind === 'dist' ? ` β ${r.beta ?? 1} γ ${r.gamma ?? 1}` : '';
  const hard = r.hardWeight !== undefined ? ` hard ${r.hardWeight}` : '';
  return `${name} ${r.softWeight}${hard}${params} T ${r.temperature}${r.featureWeight ? ` feat ${r.featureWeight}` : ''} lr ${r.learningRate}${aug}`;
}
