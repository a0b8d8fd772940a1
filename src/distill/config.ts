/** The distill config as a run uses it: resolved, its data opened, and the recipe search's first candidate. */
import type { Dataset } from '../core/types.js';
import type { Logger } from '../core/progress.js';
import { DEFAULT_FEATURE_TERM, DEFAULT_RECIPE, DistillConfig } from '../config/schema.js';
import { validate } from '../config/load.js';
import { openDataset } from '../data/index.js';
import { resolveAugment } from '../data/augment/index.js';
import { studentFamilies } from '../students/index.js';
import { parseLossTerms } from '../losses/index.js';
import type { Recipe } from '../tune/space.js';

/** Resolves a config (defaults, validation with `path.to.field` errors). */
export function resolveDistillConfig(config: unknown, source = 'config'): DistillConfig {
  const c = validate(DistillConfig, config, source);
  // Unknown terms / bad params fail here, before anything runs; each term is recorded with its params' defaults
  // filled in, so config.json holds the temperature (and every other term setting) the trainer uses; so is each
  // augmentation op.
  c.loss = { terms: parseLossTerms(c.loss, `${source}: loss`).map((p) => ({ kind: p.term.name, weight: p.weight, ...(p.params as object) })) };
  c.train.augment = resolveAugment(c.train.augment, (i, op) => `${source}: train.augment.${i} (${op})`);
  if (!c.student.model) studentFamilies.get(c.student.family);
  return c;
}

/**
 * The search's first candidate: the configured soft-kl/hard-ce mix (and its feature term between the penultimate
 * layers, if any), or the default recipe's mix when the loss has no soft term.
 */
export function baseRecipe(c: DistillConfig): Recipe {
  const soft = c.loss.terms.find((t) => t.kind === 'soft-kl');
  const hard = c.loss.terms.find((t) => t.kind === 'hard-ce');
  const feat = c.loss.terms.find((t) => t.kind === 'feature-mse' && t.student === 'penultimate' && t.teacher === 'penultimate');
  const featureWeight = feat?.weight ?? 0;
  if (!soft) return { softWeight: DEFAULT_RECIPE.softWeight, temperature: DEFAULT_RECIPE.temperature, featureWeight, learningRate: c.train.learningRate };
  const sw = soft.weight / (soft.weight + (hard?.weight ?? 0));
  return { softWeight: Number(sw.toFixed(4)), temperature: Number(soft.temperature), featureWeight, learningRate: c.train.learningRate };
}

/** Opens the dataset a config names, sized to the teacher's input where the data can be resized. */
export async function openConfiguredData(c: DistillConfig, log: Logger, inputShape?: number[]): Promise<Dataset> {
  const shape = c.data.inputShape ?? (inputShape?.every((d) => d > 0) ? inputShape : undefined);
  return openDataset(c.data.spec, {
    seed: c.data.seed,
    strict: c.data.strict,
    log,
    ...(shape ? { inputShape: shape } : {}),
    ...(c.data.mean ? { mean: c.data.mean } : {}),
    ...(c.data.std ? { std: c.data.std } : {}),
  });
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
