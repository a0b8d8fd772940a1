/**
 * Named presets of `--recipe NAME`: the settings a published distillation recipe fixes. They are written over a
 * config file's values and under the other flags, so a flag given explicitly always wins.
 */
import { UserError } from '../core/errors.js';
import { TRAIN_DEFAULTS } from './schema.js';

/** A preset: the loss and training settings it sets (augmentation ops are resolved with the rest of the config). */
export interface RecipePreset {
  name: string;
  /** One line: what it sets and where it comes from. */
  description: string;
  loss: { terms: Record<string, unknown>[] };
  train: Record<string, unknown>;
}

/** Function matching trains this many times the default epochs: its results need a long schedule ("patient"). */
export const FUNCTION_MATCHING_EPOCHS = 3 * TRAIN_DEFAULTS.epochs;

/**
 * Beyer, Zhai, Royer, Markeeva, Anil & Kolesnikov, "Knowledge distillation: A good teacher is patient and
 * consistent", CVPR 2022: the student matches the teacher's function (KL at T = 1, no labels) on the same
 * aggressively augmented images the teacher sees ("consistent": crop, flip and mixup with λ ~ Beta(1, 1), as their
 * big_vision config configs/proj/distill/bit_i1k.py: mixup p = 1), for a long time ("patient": here 3× the default
 * epochs, with a warm-up of a tenth of them before the cosine decay). Their crop is the Inception crop of large
 * photographs; `crop` (pad and crop back) is the one that keeps small images whole (`--augment
 * resized-crop,flip,mixup` for theirs).
 */
const functionMatching: RecipePreset = {
  name: 'function-matching',
  description: `soft-kl=1 at T=1 (no labels), --augment crop,flip,mixup (teacher and student see the same images), ${FUNCTION_MATCHING_EPOCHS} epochs with ${FUNCTION_MATCHING_EPOCHS / 10} of warm-up (Beyer et al., CVPR 2022)`,
  loss: { terms: [{ kind: 'soft-kl', weight: 1, temperature: 1 }] },
  train: { augment: [{ op: 'crop' }, { op: 'flip' }, { op: 'mixup', alpha: 1 }], epochs: FUNCTION_MATCHING_EPOCHS, warmupEpochs: FUNCTION_MATCHING_EPOCHS / 10 },
};

/** The presets, by name. */
export const RECIPES: readonly RecipePreset[] = [functionMatching];

/** The preset called `name`, or a {@link UserError} listing the known ones. */
export function recipePreset(name: string, flag = '--recipe'): RecipePreset {
  const r = RECIPES.find((p) => p.name === name);
  if (!r) throw new UserError(`${flag} ${name}: unknown recipe; the recipes are ${RECIPES.map((p) => p.name).join(', ')}`);
  return r;
}

/** Writes preset `name`'s loss and training settings into the raw config `c` (over what it holds). */
export function applyRecipe(c: Record<string, unknown>, name: string, flag = '--recipe'): void {
  const r = recipePreset(name, flag);
  c.loss = structuredClone(r.loss);
  const train = typeof c.train === 'object' && c.train !== null && !Array.isArray(c.train) ? (c.train as Record<string, unknown>) : {};
  c.train = { ...train, ...structuredClone(r.train) };
}
