/** One evaluation of a candidate at a rung. */
export interface Trial<C> {
  id: number;
  candidate: C;
  rung: number;
  epochs: number;
  /** Validation accuracy, or NaN when training diverged. */
  score: number;
  seconds: number;
  diverged: boolean;
}

/** The rung schedule: how many candidates train for how many epochs. */
export interface Rung {
  n: number;
  epochs: number;
}

/**
 * Successive halving (Jamieson & Talwalkar 2016; Li et al., Hyperband, 2018): start `n0` candidates at `r0`
 * epochs, keep the best ⌈n/eta⌉ and train them eta× longer (capped at `maxEpochs`), until one is left.
 */
export function halvingSchedule(n0: number, r0: number, eta: number, maxEpochs: number): Rung[] {
  const rungs: Rung[] = [];
  let n = n0;
  let r = r0;
  for (;;) {
    rungs.push({ n, epochs: Math.min(r, maxEpochs) });
    if (n <= 1 || r >= maxEpochs) break;
    n = Math.ceil(n / eta);
    r *= eta;
  }
  return rungs;
}

/** Total training epochs a schedule costs. */
export function scheduleCost(rungs: Rung[]): number {
  return rungs.reduce((a, r) => a + r.n * r.epochs, 0);
}

/**
 * Runs successive halving over `candidates` with `evaluate(candidate, epochs)` returning a validation score
 * (NaN = diverged, ranked last). Each rung retrains its survivors from scratch at the longer length, so the score
 * of a rung is that of a complete, schedule-consistent run. Returns every trial and the winner (undefined when all
 * diverged).
 */
export async function successiveHalving<C>(
  candidates: C[],
  rungs: Rung[],
  evaluate: (c: C, epochs: number, trialId: number) => Promise<{ score: number; seconds: number }>,
): Promise<{ trials: Trial<C>[]; best?: Trial<C> }> {
  const trials: Trial<C>[] = [];
  let alive = candidates.map((candidate, i) => ({ candidate, index: i }));
  let last: Trial<C>[] = [];
  for (const [k, rung] of rungs.entries()) {
    alive = alive.slice(0, rung.n);
    last = [];
    for (const a of alive) {
      const id = trials.length + 1;
      const r = await evaluate(a.candidate, rung.epochs, id);
      const t: Trial<C> = { id, candidate: a.candidate, rung: k, epochs: rung.epochs, score: r.score, seconds: r.seconds, diverged: !Number.isFinite(r.score) };
      trials.push(t);
      last.push(t);
    }
    const order = last.map((t, i) => ({ t, a: alive[i]! })).sort((x, y) => (Number.isFinite(y.t.score) ? y.t.score : -1) - (Number.isFinite(x.t.score) ? x.t.score : -1));
    alive = order.filter((o) => !o.t.diverged).map((o) => o.a);
    if (alive.length === 0) return { trials };
  }
  const best = last.filter((t) => !t.diverged).sort((a, b) => b.score - a.score)[0];
  return best ? { trials, best } : { trials };
}
