import { UserError } from '../core/errors.js';
import { halvingSchedule, scheduleCost, type Rung } from './halving.js';
import { sampleRecipes, sampleScratch, type Recipe, type SearchChoices } from './space.js';

// Past this many first-rung recipes a bigger budget buys nothing the search can use.
const MAX_FIRST_RUNG = 200;

/** Trials a schedule runs (every rung's candidates, each one trial). */
const trialCount = (s: Rung[]) => s.reduce((a, r) => a + r.n, 0);

/**
 * The rung schedule for a budget of `trials` per search: the halving schedule (1 epoch first, ×`eta` per rung,
 * capped at `maxEpochs`) with the most first-rung recipes whose total trial count still fits. A UserError when not
 * even `eta` recipes fit.
 */
export function scheduleForTrials(trials: number, eta: number, maxEpochs: number): Rung[] {
  let best: Rung[] | undefined;
  for (let n = eta; n <= MAX_FIRST_RUNG; n++) {
    const s = halvingSchedule(n, 1, eta, maxEpochs);
    if (trialCount(s) > trials) break;
    best = s;
  }
  if (!best) {
    const min = trialCount(halvingSchedule(eta, 1, eta, maxEpochs));
    throw new UserError(`--tune-budget ${trials}t: too small; each search needs at least ${min} trials (${eta} recipes, then halving to one at ${maxEpochs} epochs). Give --tune-budget ${min}t or more`);
  }
  return best;
}

/**
 * The rung schedule for a budget of `minutes` for both searches together (half each), given the measured seconds of
 * one training epoch: the halving schedule with the most first-rung recipes whose epochs × `secondsPerEpoch` fit in
 * half the budget. A UserError (naming the minutes needed) when not even `eta` recipes fit.
 */
export function scheduleForMinutes(minutes: number, secondsPerEpoch: number, eta: number, maxEpochs: number): Rung[] {
  const perSearch = (minutes * 60) / 2;
  let best: Rung[] | undefined;
  for (let n = eta; n <= MAX_FIRST_RUNG; n++) {
    const s = halvingSchedule(n, 1, eta, maxEpochs);
    if (scheduleCost(s) * secondsPerEpoch > perSearch) break;
    best = s;
  }
  if (!best) {
    const need = (2 * scheduleCost(halvingSchedule(eta, 1, eta, maxEpochs)) * secondsPerEpoch) / 60;
    throw new UserError(`--tune-budget ${minutes}m: too small; one epoch takes ${secondsPerEpoch.toFixed(1)}s here, so the two searches need at least ${need.toFixed(1)} minutes. Give --tune-budget ${Math.ceil(need)}m or more, or fewer --epochs`);
  }
  return best;
}

/**
 * The recipes each search starts its first rung with: `n` seeded distillation recipes (the base first; no feature
 * term when the teacher has no penultimate tap) and `n` seeded from-scratch recipes (the base's learning rate and
 * augmentation first), both drawing augmentations from the same `choices`.
 */
export function searchRecipes(n: number, seed: number, features: boolean, base: Recipe, choices: SearchChoices = {}): { distill: Recipe[]; scratch: Recipe[] } {
  return { distill: sampleRecipes(n, seed, features, base, choices), scratch: sampleScratch(n, seed, base, choices) };
}
