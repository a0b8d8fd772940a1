/**
 * Summary statistics for latency samples. Definitions (also written into results.json):
 * - percentile p of n sorted samples x[0..n-1]: linear interpolation between closest ranks (Hyndman & Fan type 7,
 *   the default of NumPy, R and Excel's PERCENTILE.INC): h = (n-1)·p, x[⌊h⌋] + (h-⌊h⌋)·(x[⌊h⌋+1] - x[⌊h⌋]).
 * - mean ± 95% interval: Student's t interval, mean ± t(0.975, n-1)·s/√n with s the sample standard deviation
 *   (n-1 denominator). Timing samples are skewed and mildly autocorrelated, so read it as a rough interval.
 * - coefficient of variation: s / mean.
 */

/** The definitions above as text, copied into results.json. */
export const STATS_DEFINITIONS = {
  percentile: 'linear interpolation between closest ranks (Hyndman-Fan type 7, as numpy.percentile): h = (n-1)p',
  meanInterval: "Student's t 95% interval: mean ± t(0.975, n-1)·s/√n, s = sample standard deviation (n-1)",
  cv: 'coefficient of variation: s / mean',
} as const;

/** The p-quantile (0 ≤ p ≤ 1) of `sorted` (ascending) by linear interpolation (type 7). NaN for no samples. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile p must be in [0, 1], got ${p}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** The p-quantile of unsorted `xs` (see {@link percentileSorted}). */
export function percentile(xs: readonly number[], p: number): number {
  return percentileSorted([...xs].sort((a, b) => a - b), p);
}

/** Arithmetic mean (NaN for no samples). */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation with the n-1 denominator (NaN below two samples). */
export function sampleSd(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (n - 1));
}

// Two-sided 95% critical values of Student's t for 1..30 degrees of freedom (standard tables).
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * t(0.975, df): the table above up to 30 degrees of freedom, beyond it the Cornish-Fisher expansion around the normal
 * quantile (error < 1e-4 for df > 30, and it tends to 1.96).
 */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) return NaN;
  const d = Math.floor(df);
  if (d <= 30) return T975[d - 1]!;
  const z = 1.959963984540054;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * d) + (5 * z5 + 16 * z3 + 3 * z) / (96 * d * d) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * d ** 3);
}

/** Mean with its 95% Student's t interval ([mean, mean] for a single sample: no spread is known). */
export function meanInterval(xs: readonly number[]): { mean: number; lo: number; hi: number } {
  const m = mean(xs);
  if (xs.length < 2) return { mean: m, lo: m, hi: m };
  const half = (tQuantile975(xs.length - 1) * sampleSd(xs)) / Math.sqrt(xs.length);
  return { mean: m, lo: m - half, hi: m + half };
}

/** Coefficient of variation s / mean (NaN below two samples or for a zero mean). */
export function coefficientOfVariation(xs: readonly number[]): number {
  const m = mean(xs);
  return m === 0 ? NaN : sampleSd(xs) / m;
}

/** Everything the report says about a set of latency samples (milliseconds). */
export interface LatencySummary {
  n: number;
  mean: number;
  /** 95% interval of the mean (Student's t). */
  ci95: [number, number];
  sd: number;
  cv: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** Summarises samples; throws on an empty list (a caller bug: a timing loop always yields samples). */
export function summarize(xs: readonly number[]): LatencySummary {
  if (xs.length === 0) throw new Error('summarize: no samples');
  const s = [...xs].sort((a, b) => a - b);
  const ci = meanInterval(xs);
  return {
    n: xs.length,
    mean: ci.mean,
    ci95: [ci.lo, ci.hi],
    sd: sampleSd(xs),
    cv: coefficientOfVariation(xs),
    min: s[0]!,
    p50: percentileSorted(s, 0.5),
    p90: percentileSorted(s, 0.9),
    p95: percentileSorted(s, 0.95),
    p99: percentileSorted(s, 0.99),
    max: s[s.length - 1]!,
  };
}
