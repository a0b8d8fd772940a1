import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measure, type TimingPlan } from '../../../src/bench/harness.js';

const plan: TimingPlan = { warmupIterations: 2, warmupMs: 0, minIterations: 5, minTimeMs: 0, maxTimeMs: 1000, targetRelCi: 0.02, minSampleMs: 0 };

/** A fake clock: `tick` ms per call of `call`, reading the clock is free, the clock has `res` resolution. */
function fakeClock(costMs: number, res: number) {
  let t = 0;
  return {
    call: () => void (t += costMs),
    // Each reading advances time a little so that the resolution probe terminates, quantised to `res`.
    now: () => {
      t += res / 4;
      return Math.floor(t / res) * res;
    },
  };
}

test('a constant-cost call yields its cost per sample, with warm-up and the minimum iterations', async () => {
  const c = fakeClock(2, 0.001);
  let calls = 0;
  const r = await measure(() => { calls++; c.call(); }, plan, c.now);
  assert.equal(r.callsPerSample, 1);
  assert.ok(r.samplesMs.length >= 5);
  for (const s of r.samplesMs) assert.ok(Math.abs(s - 2) < 0.01, `sample ${s}`);
  assert.ok(calls >= 2 + 1 + 5); // warm-up + calibration + samples
  assert.equal(r.calls, r.samplesMs.length * r.callsPerSample);
});

test('a coarse clock makes the loop time many back-to-back calls per sample', async () => {
  // 0.01 ms calls on a 0.1 ms clock: a sample must last ≥ 100 ticks = 10 ms, so ≥ 1000 calls per sample.
  const c = fakeClock(0.01, 0.1);
  const r = await measure(c.call, plan, c.now);
  assert.ok(Math.abs(r.clockResolutionMs - 0.1) < 1e-9, `resolution ${r.clockResolutionMs}`);
  assert.ok(r.callsPerSample >= 1000, `calls per sample ${r.callsPerSample}`);
  for (const s of r.samplesMs) assert.ok(Math.abs(s - 0.01) < 0.001, `sample ${s}`);
});

test('noisy samples keep the loop sampling until the interval is tight or time runs out', async () => {
  let t = 0;
  let i = 0;
  const now = () => (t += 1e-4);
  const noisy = () => void (t += i++ % 2 ? 1 : 3); // alternating 1 and 3 ms: CV ≈ 0.5
  const r = await measure(noisy, { ...plan, maxTimeMs: 200 }, now);
  // ±2% of a mean of 2 needs n ≈ (1.96·1/0.04)² ≈ 2400 samples: the 200 ms cap stops it first.
  assert.ok(r.totalMs >= 200 && r.totalMs < 210, `total ${r.totalMs}`);
  const stable = await measure(() => void (t += 1), plan, now);
  assert.equal(stable.samplesMs.length, 5);
});

test('warm-up lasts the plan\'s minimum time as well as its iterations', async () => {
  let t = 0;
  let calls = 0;
  await measure(() => void ((t += 1), calls++), { ...plan, warmupIterations: 2, warmupMs: 50, minIterations: 1 }, () => (t += 1e-3));
  // ~50 warm-up calls of 1 ms, then calibration and one sample.
  assert.ok(calls >= 50 && calls <= 55, `calls ${calls}`);
});

test('a pause during calibration does not shrink the calls per sample', async () => {
  // 0.1 ms calls, 20 ms samples wanted; the very first calibration call hits a 50 ms pause.
  let t = 0;
  let n = 0;
  const call = () => void (t += n++ === 0 ? 50 : 0.1);
  const r = await measure(call, { ...plan, warmupIterations: 0, minSampleMs: 20 }, () => (t += 1e-6));
  assert.ok(r.callsPerSample >= 200, `calls per sample ${r.callsPerSample}`);
  for (const s of r.samplesMs) assert.ok(Math.abs(s - 0.1) < 0.001, `sample ${s}`);
});

test('a very slow call still gets at least three samples when the time cap is hit', async () => {
  let t = 0;
  const r = await measure(() => void (t += 500), { ...plan, warmupIterations: 0, minIterations: 50, maxTimeMs: 100 }, () => (t += 1e-3));
  assert.equal(r.samplesMs.length, 3);
});
