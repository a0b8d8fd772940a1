/**
 * The timing loop. It runs where the model runs: in this process for Node runners, and inside the page for browser
 * runners (the page receives this function's source, so it must not reference anything outside its own body).
 */

/** How long and how often to time a call. */
export interface TimingPlan {
  /** Untimed calls first (JIT, caches, lazy kernel compilation, GPU shader compilation) ... */
  warmupIterations: number;
  /**
   * ... for at least this long (ms): V8 moves hot wasm and JS to optimised code in the background after a while, and
   * samples taken before that are several times slower than the steady state.
   */
  warmupMs: number;
  /** At least this many samples ... */
  minIterations: number;
  /** ... and at least this much time (ms) of sampling. */
  minTimeMs: number;
  /** Past the minimums, sampling goes on until the 95% interval of the mean is within ±targetRelCi of it ... */
  targetRelCi: number;
  /** ... or this much time (ms) has passed (then at least 3 samples are taken whatever it costs). */
  maxTimeMs: number;
  /**
   * Each sample lasts at least this long (ms): shorter calls are repeated back-to-back and the sample is their mean.
   * The loop also raises it to 100 clock ticks, so a coarse clock (100 µs in a page that is not cross-origin
   * isolated) adds at most 1% quantisation error.
   */
  minSampleMs: number;
}

/** What the timing loop measured. */
export interface TimingSamples {
  /** Per-call milliseconds, one entry per sample (the mean of `callsPerSample` back-to-back calls). */
  samplesMs: number[];
  callsPerSample: number;
  /** Smallest clock step seen (ms). */
  clockResolutionMs: number;
  /** Timed calls in total, warm-up and calibration excluded. */
  calls: number;
  /** Wall time of the sampling phase (ms). */
  totalMs: number;
}

/**
 * Times `call`: warm-up, clock-resolution probe, calibration of calls per sample, then sampling until the plan's
 * stopping rule holds. Self-contained on purpose (see the file comment).
 */
export async function measure(call: () => unknown, plan: TimingPlan, now: () => number): Promise<TimingSamples> {
  const warmStart = now();
  for (let i = 0; i < plan.warmupIterations || now() - warmStart < plan.warmupMs; i++) await call();

  // Clock resolution: the smallest non-zero step between consecutive readings.
  let resolution = Infinity;
  for (let i = 0; i < 5; i++) {
    const a = now();
    let b = now();
    while (b === a) b = now();
    resolution = Math.min(resolution, b - a);
  }
  const minSample = Math.max(plan.minSampleMs, 100 * resolution);

  // Calibration: grow the calls per sample until a window of k calls lasts minSample. A pause (GC, another
  // process) only lengthens a window, so the shortest of three windows decides; one window well below minSample
  // is enough to know k is too small.
  let k = 1;
  for (;;) {
    let t = Infinity;
    for (let r = 0; r < 3; r++) {
      const t0 = now();
      for (let i = 0; i < k; i++) await call();
      t = Math.min(t, now() - t0);
      if (t < minSample / 2) break;
    }
    if (t >= minSample || k >= 1e6) break;
    const want = Math.ceil((k * 1.2 * minSample) / Math.max(t, resolution));
    k = Math.min(k * 10, Math.max(k * 2, want));
  }

  const samples: number[] = [];
  let m = 0; // running mean and sum of squared deviations (Welford), for the stopping rule
  let ss = 0;
  const start = now();
  for (;;) {
    const t0 = now();
    for (let i = 0; i < k; i++) await call();
    const x = (now() - t0) / k;
    samples.push(x);
    const n = samples.length;
    const d = x - m;
    m += d / n;
    ss += d * (x - m);
    const elapsed = now() - start;
    if (elapsed >= plan.maxTimeMs && n >= 3) break;
    if (n >= plan.minIterations && elapsed >= plan.minTimeMs) {
      // Normal approximation is enough for a stopping rule; the reported interval uses Student's t.
      const half = n > 1 ? (1.96 * Math.sqrt(ss / (n - 1))) / Math.sqrt(n) : Infinity;
      if (half <= plan.targetRelCi * m) break;
    }
  }
  return { samplesMs: samples, callsPerSample: k, clockResolutionMs: resolution, calls: samples.length * k, totalMs: now() - start };
}
