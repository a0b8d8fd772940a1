/** The distill config as a run uses it: resolved, its data opened, and the recipe search's first candidate. */
import type { Dataset } from '../core/types.js';
import type { Logger } from '../core/progress.js';
import { DEFAULT_FEATURE_TERM, DEFAULT_RECIPE, DistillConfig } from '../config/schema.js';
import { validate } from '../config/load.js';
import { resolveWorkers } from '../config/workers.js';
import { UserError } from '../core/errors.js';
import type { Teacher } from '../core/types.js';
import { openDataConfig } from '../data/index.js';
import { teacherLabelled, withUnlabeled } from '../data/with-unlabeled.js';
import { loadTf } from '../runtime/backend.js';
import { predictTeacherSplit } from '../train/evaluate.js';
import { augmentSpec, resolveAugment } from '../data/augment/index.js';
import { studentFamilies } from '../students/index.js';
import { parseLossTerms } from '../losses/index.js';
import { KD_TERMS, type KdTerm, type Recipe } from '../tune/space.js';

/** Resolves a config (defaults, validation with `path.to.field` errors). */
export function resolveDistillConfig(config: unknown, source = 'config'): DistillConfig {
  const c = validate(DistillConfig, config, source);
  // Unknown terms / bad params fail here, before anything runs; each term is recorded with its params' defaults
  // filled in, so config.json holds the temperature (and every other term setting) the trainer uses; so is each
  // augmentation op.
  c.loss = { terms: parseLossTerms(c.loss, `${source}: loss`).map((p) => ({ kind: p.term.name, weight: p.weight, ...(p.params as object) })) };
  c.train.augment = resolveAugment(c.train.augment, (i, op) => `${source}: train.augment.${i} (${op})`);
  // Recorded as a number: the result depends on it, so a resumed run (or a rerun elsewhere) uses the same count.
  c.train.workers = resolveWorkers(c.train.workers, `${source}: train.workers`);
  if (!c.student.model) studentFamilies.get(c.student.family);
  return c;
}

/**
 * The search's first candidate: the configured teacher term (soft-kl, dkd or dist) with its parameters, hard-ce's
 * weight, the feature term between the penultimate layers (if any) and the augmentation, or the default recipe's mix
 * when the loss has no teacher term. A soft-kl/hard-ce pair summing to 1 stays the classic mix (no hardWeight).
 */
export function baseRecipe(c: DistillConfig): Recipe {
  const kd = c.loss.terms.find((t) => (KD_TERMS as readonly string[]).includes(t.kind));
  const hard = c.loss.terms.find((t) => t.kind === 'hard-ce');
  const feat = c.loss.terms.find((t) => t.kind === 'feature-mse' && t.student === 'penultimate' && t.teacher === 'penultimate');
  const featureWeight = feat?.weight ?? 0;
  const augment = c.train.augment.length > 0 ? { augment: augmentSpec(c.train.augment) } : {};
  if (!kd) return { softWeight: DEFAULT_RECIPE.softWeight, temperature: DEFAULT_RECIPE.temperature, featureWeight, learningRate: c.train.learningRate, ...augment };
  const hw = hard?.weight ?? 0;
  const classic = kd.kind === 'soft-kl' && Math.abs(kd.weight + hw - 1) < 1e-9;
  return {
    ...(kd.kind === 'soft-kl' ? {} : { kd: kd.kind as KdTerm }),
    softWeight: kd.weight,
    ...(classic ? {} : { hardWeight: hw }),
    temperature: Number(kd.temperature),
    ...(kd.standardize === true ? { standardize: true } : {}),
    ...(kd.kind === 'dkd' ? { alpha: Number(kd.alpha), beta: Number(kd.beta) } : {}),
    ...(kd.kind === 'dist' ? { beta: Number(kd.beta), gamma: Number(kd.gamma) } : {}),
    featureWeight,
    learningRate: c.train.learningRate,
    ...augment,
  };
}

/** Opens the dataset a config names, sized to the teacher's input where the data can be resized. */
export async function openConfiguredData(c: DistillConfig, log: Logger, inputShape?: number[]): Promise<Dataset> {
  const shape = c.data.inputShape ?? (inputShape?.every((d) => d > 0) ? inputShape : undefined);
  const data = await openDataConfig(c.data, { ...(shape ? { inputShape: shape } : {}), log });
  if (!c.data.unlabeled) return data;
  const extra = await openDataConfig({ ...c.data, spec: `unlabeled:${c.data.unlabeled}` }, { inputShape: data.inputShape, log });
  return withUnlabeled(await loadTf(), data, extra);
}

/** True when the run's only data is images without labels (`--data unlabeled:DIR`, or `--unlabeled DIR` alone). */
export const unlabeledOnly = (c: DistillConfig): boolean => c.data.spec.startsWith('unlabeled:');

/**
 * Refuses, before anything loads, what cannot work on unlabeled images: no teacher (the teacher's outputs are the only
 * targets), a label term on them (hard-ce, dkd), and a search or candidate choice (they need a labelled val split);
 * dkd next to unlabeled images too (it needs every sample's class).
 */
export function checkUnlabeledSettings(c: DistillConfig): void {
  const weighted = (kind: string) => c.loss.terms.some((t) => t.kind === kind && t.weight > 0);
  if (unlabeledOnly(c)) {
    const what = `--data ${c.data.spec}`;
    if (c.data.unlabeled) throw new UserError(`--unlabeled ${c.data.unlabeled} next to ${what}: give labelled data with --data, or the unlabeled images alone`);
    if (!c.teacher) throw new UserError(`${what}: images without labels learn from a teacher's outputs alone; give --teacher`);
    for (const k of ['hard-ce', 'dkd']) if (weighted(k)) throw new UserError(`${what}: ${k} needs labels, which these images do not have; use a teacher term only, e.g. --loss soft-kl=1`);
    if (c.tune) throw new UserError(`${what}: --tune searches on a labelled val split; these images have none`);
    if ((c.student.candidates ?? 1) > 1) throw new UserError(`${what}: --candidates keeps the most accurate on a labelled val split; these images have none`);
  }
  if (c.data.unlabeled && weighted('dkd')) throw new UserError(`--unlabeled ${c.data.unlabeled}: dkd needs every sample's class, and these images have none; use soft-kl or dist with hard-ce (hard-ce skips them)`);
}

/**
 * Unlabeled images alone as the trainer takes them: the teacher's classes, and its top-1 predictions as the labels of
 * the held-out images (so val and test accuracy are agreement with the teacher).
 */
export async function labelByTeacher(data: Dataset, teacher: Teacher, log: Logger): Promise<Dataset> {
  const targets = await predictTeacherSplit(teacher, data, 'test');
  log.info(`unlabeled images: ${data.size('train')} to learn from, ${data.size('test')} held out; accuracy there is top-1 agreement with the teacher`);
  return teacherLabelled(await loadTf(), data, Array.from({ length: teacher.numClasses }, (_, i) => `class ${i}`), targets);
}

/**
 * The default recipe matches penultimate features too, where the teacher has that layer (students always do); a
 * loss the user gave is left as given. Returns the loss to train with and a line saying which default applied.
 */
export function withDefaultFeatureTerm(c: DistillConfig, teacherTaps: readonly string[], lossGiven: boolean, source?: string): { loss: DistillConfig['loss']; note?: string } {
  if (lossGiven) return { loss: c.loss };
  const feature = teacherTaps.includes('penultimate');
  // A new object: the DEFAULT_LOSS constant itself must stay untouched for the next run.
  const loss = feature ? resolveDistillConfig({ ...c, loss: { terms: [...c.loss.terms, { ...DEFAULT_FEATURE_TERM }] } }, source).loss : c.loss;
  const hard = Number((1 - DEFAULT_RECIPE.softWeight).toFixed(4));
  const note = `loss: the default recipe (soft-kl ${DEFAULT_RECIPE.softWeight} at T=${DEFAULT_RECIPE.temperature} + hard-ce ${hard}${feature ? ` + feature-mse ${DEFAULT_RECIPE.featureWeight} between the penultimate layers` : `; no feature term: the teacher has no penultimate layer`}; README "Defaults")`;
  return { loss, note };
}
