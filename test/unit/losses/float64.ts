/**
 * Plain-JS float64 versions of the loss terms' formulas, written from the papers and reference code, for the tests
 * to compare the tfjs implementations with. Nothing here calls src/.
 */

export const softmax = (v: number[], T = 1): number[] => {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp((x - m) / T));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
};

/** KL(p ‖ q) = Σ p log(p / q), with 0·log 0 = 0. */
export const kl = (p: number[], q: number[]): number => p.reduce((a, pi, i) => (pi === 0 ? a : a + pi * Math.log(pi / q[i]!)), 0);

export const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

/** (z − mean) / (sample std + 1e-7), as the logit-standardisation reference code (torch's unbiased std). */
export const standardize = (z: number[]): number[] => {
  const m = mean(z);
  const sd = Math.sqrt(z.reduce((a, x) => a + (x - m) ** 2, 0) / (z.length - 1));
  return z.map((x) => (x - m) / (sd + 1e-7));
};

/** T²·KL(softmax(t/T) ‖ softmax(s/T)), batch mean. */
export const softKl64 = (s: number[][], t: number[][], T: number, stand = false): number => {
  const f = stand ? standardize : (z: number[]) => z;
  return T * T * mean(s.map((si, i) => kl(softmax(f(t[i]!), T), softmax(f(si), T))));
};

/**
 * DKD as its definition reads: binary [p_y, 1 − p_y] and the softmax renormalised over the classes other than y
 * (no −1000 mask), each KL teacher ‖ student, × T², batch mean. Returns the parts too.
 */
export const dkd64 = (s: number[][], t: number[][], y: number[], o: { alpha: number; beta: number; T: number; stand?: boolean }) => {
  const f = o.stand ? standardize : (z: number[]) => z;
  const tckd: number[] = [];
  const nckd: number[] = [];
  s.forEach((si, i) => {
    const ps = softmax(f(si), o.T);
    const pt = softmax(f(t[i]!), o.T);
    const c = y[i]!;
    // 1 − p_y as the sum of the other classes' probabilities: it stays representable when p_y rounds to 1.
    const notY = (p: number[]) => p.reduce((a, x, k) => (k === c ? a : a + x), 0);
    tckd.push(kl([pt[c]!, notY(pt)], [ps[c]!, notY(ps)]));
    const others = (p: number[]) => {
      const rest = p.filter((_, k) => k !== c);
      const z = rest.reduce((a, b) => a + b, 0);
      return rest.map((x) => x / z);
    };
    nckd.push(kl(others(pt), others(ps)));
  });
  const T2 = o.T * o.T;
  return { loss: T2 * (o.alpha * mean(tckd) + o.beta * mean(nckd)), tckd: T2 * mean(tckd), nckd: T2 * mean(nckd) };
};

/** Pearson correlation as hunto/DIST_KD: Σ a'b' / (‖a'‖·‖b'‖ + 1e-8). */
export const pearson = (a: number[], b: number[]): number => {
  const ma = mean(a);
  const mb = mean(b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  a.forEach((ai, i) => {
    ab += (ai - ma) * (b[i]! - mb);
    aa += (ai - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  });
  return ab / (Math.sqrt(aa) * Math.sqrt(bb) + 1e-8);
};

/** DIST: T²·(β·(1 − mean row correlation) + γ·(1 − mean column correlation)) of softmax(z/T). */
export const dist64 = (s: number[][], t: number[][], o: { beta: number; gamma: number; T: number }) => {
  const ps = s.map((r) => softmax(r, o.T));
  const pt = t.map((r) => softmax(r, o.T));
  const inter = 1 - mean(ps.map((r, i) => pearson(r, pt[i]!)));
  const cols = (m: number[][]) => m[0]!.map((_, k) => m.map((r) => r[k]!));
  const cs = cols(ps);
  const ct = cols(pt);
  const intra = 1 - mean(cs.map((c, k) => pearson(c, ct[k]!)));
  const T2 = o.T * o.T;
  return { loss: T2 * (o.beta * inter + o.gamma * intra), inter: T2 * inter, intra: T2 * intra };
};

/** Central finite differences of `f` at `x` (a matrix), step h. */
export const numericGrad = (f: (x: number[][]) => number, x: number[][], h = 1e-5): number[][] =>
  x.map((row, i) =>
    row.map((_, j) => {
      const plus = x.map((r) => [...r]);
      const minus = x.map((r) => [...r]);
      plus[i]![j]! += h;
      minus[i]![j]! -= h;
      return (f(plus) - f(minus)) / (2 * h);
    }),
  );
