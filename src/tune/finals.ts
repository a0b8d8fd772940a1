import type { Recipe } from './space.js';

/** One full-length training run of a search's winner. */
export interface FinalRun {
  kind: 'distill' | 'scratch';
  recipe: Recipe;
  seed: number;
}

/**
 * The final runs, in training order: the best distillation recipe (when one trained) and then the best from-scratch
 * recipe, each at full length over `seeds` consecutive seeds starting at `seed`, so the two are compared on the same
 * seeds and the spread over seeds measures the noise.
 */
export function finalRuns(best: { distill?: Recipe | undefined; scratch: Recipe }, seeds: number, seed: number): FinalRun[] {
  const runs: FinalRun[] = [];
  for (const kind of ['distill', 'scratch'] as const) {
    const recipe = best[kind];
    if (!recipe) continue;
    for (let s = 0; s < seeds; s++) runs.push({ kind, recipe, seed: seed + s });
  }
  return runs;
}
