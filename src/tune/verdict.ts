/** Accuracies of one recipe's final runs, one per seed. */
export interface FinalScores {
  seeds: number[];
  val: number[];
  test: number[];
}

// An empty list (no distillation recipe trained) has mean 0, so it never wins; one run has no spread (0).
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const std = (xs: number[]) => (xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1)) : 0);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const pp = (x: number) => (100 * x).toFixed(2);

/**
 * Which student to keep: the distilled one when a distillation recipe trained and its mean validation accuracy over
 * the seeds is at least the from-scratch one's (val picks; test only reports), else the from-scratch one.
 */
export function keptStudent(final: Record<'distill' | 'scratch', FinalScores>, distillTrained: boolean): 'distill' | 'scratch' {
  return distillTrained && mean(final.distill.val) >= mean(final.scratch.val) ? 'distill' : 'scratch';
}

/**
 * The one-line verdict on test accuracy over `seeds` seeds. gain = mean(distill) − mean(scratch); noise = the larger
 * of the two sample standard deviations (n − 1 denominator; 0 for one seed). "helped" beyond the noise when
 * gain > noise, "helped … within the seed noise" when 0 < gain ≤ noise, "did not help" when gain ≤ 0, and "did not
 * train" when every distillation trial diverged.
 */
export function tuneVerdict(test: { distill: number[]; scratch: number[] }, distillTrained: boolean, seeds: number): string {
  const d = test.distill;
  const s = test.scratch;
  if (!distillTrained) return `distillation did not train (every trial diverged); kept the from-scratch student (${pct(mean(s))})`;
  const gain = mean(d) - mean(s);
  const noise = Math.max(std(d), std(s));
  const summary = `distilled ${pct(mean(d))} ± ${pct(std(d))} vs scratch ${pct(mean(s))} ± ${pct(std(s))} test accuracy over ${seeds} seed(s)`;
  if (gain > noise) return `distillation helped: +${pp(gain)} pp, more than the seed noise (${pp(noise)} pp); ${summary}`;
  if (gain > 0) return `distillation helped by +${pp(gain)} pp, within the seed noise (${pp(noise)} pp); ${summary}`;
  return `distillation did not help (${pp(gain)} pp); ${summary}`;
}
