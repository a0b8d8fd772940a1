/** Beta-distributed draws from a uniform generator (for mixup and cutmix's λ). */

/** A standard normal draw (Box–Muller, one of its pair). */
function normal(rng: () => number): number {
  const u = 1 - rng(); // in (0, 1], so the log is finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * A Gamma(a, 1) draw: Marsaglia & Tsang, "A Simple Method for Generating Gamma Variables", ACM TOMS 2000, for a ≥ 1;
 * for a < 1, Gamma(a + 1) · U^(1/a) (their section 6).
 */
export function gammaDraw(a: number, rng: () => number): number {
  if (a < 1) return gammaDraw(a + 1, rng) * Math.pow(1 - rng(), 1 / a);
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = normal(rng);
    const v = (1 + c * z) ** 3;
    if (v <= 0) continue;
    if (Math.log(1 - rng()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Beta(a, b) draw, X / (X + Y) of X ~ Gamma(a), Y ~ Gamma(b); both underflowing to 0 (tiny a, b) gives 0 or 1. */
export function betaDraw(a: number, b: number, rng: () => number): number {
  const x = gammaDraw(a, rng);
  const y = gammaDraw(b, rng);
  if (x + y === 0) return rng() < a / (a + b) ? 1 : 0;
  return x / (x + y);
}
