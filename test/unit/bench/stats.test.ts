import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, meanInterval, coefficientOfVariation, sampleSd, summarize, tQuantile975 } from '../../../src/bench/stats.js';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} ≉ ${b} (±${tol})`);

test('percentile: linear interpolation between closest ranks (type 7), worked by hand', () => {
  // [1,2,3,4]: h = 3p. p50: h=1.5 → 2 + .5·1 = 2.5; p90: h=2.7 → 3 + .7·1 = 3.7; p99: h=2.97 → 3.97.
  close(percentile([4, 1, 3, 2], 0.5), 2.5);
  close(percentile([4, 1, 3, 2], 0.9), 3.7);
  close(percentile([4, 1, 3, 2], 0.99), 3.97);
  // [15,20,35,40,50]: p40: h = 4·0.4 = 1.6 → 20 + 0.6·(35-20) = 29.
  close(percentile([15, 20, 35, 40, 50], 0.4), 29);
  close(percentile([15, 20, 35, 40, 50], 0), 15);
  close(percentile([15, 20, 35, 40, 50], 1), 50);
  close(percentile([7], 0.99), 7);
  assert.ok(Number.isNaN(percentile([], 0.5)));
  assert.throws(() => percentile([1], 1.5), RangeError);
});

test('mean 95% interval (Student t) and coefficient of variation, worked by hand', () => {
  // [2,4,4,4,5,5,7,9]: mean 5, Σ(x-5)² = 9+1+1+1+0+0+4+16 = 32, s² = 32/7, s = 2.13809;
  // t(0.975, 7) = 2.365, half-width = 2.365 · 2.13809 / √8 = 1.78777.
  const xs = [2, 4, 4, 4, 5, 5, 7, 9];
  close(sampleSd(xs), Math.sqrt(32 / 7));
  const ci = meanInterval(xs);
  close(ci.mean, 5);
  close(ci.lo, 5 - 1.78777, 1e-4);
  close(ci.hi, 5 + 1.78777, 1e-4);
  close(coefficientOfVariation(xs), Math.sqrt(32 / 7) / 5);
  // One sample: no spread known, the interval collapses to the mean.
  assert.deepEqual(meanInterval([3]), { mean: 3, lo: 3, hi: 3 });
});

test('t(0.975, df): table values, the large-df expansion joins the table and tends to 1.96', () => {
  close(tQuantile975(1), 12.706);
  close(tQuantile975(10), 2.228);
  close(tQuantile975(30), 2.042);
  close(tQuantile975(31), 2.0395, 2e-4); // tables: 2.0395
  close(tQuantile975(60), 2.0003, 2e-4); // tables: 2.000
  close(tQuantile975(120), 1.9799, 2e-4); // tables: 1.980
  close(tQuantile975(1e6), 1.96, 1e-3);
});

test('summarize reports every field the report uses', () => {
  const s = summarize([5, 1, 4, 2, 3]);
  assert.equal(s.n, 5);
  assert.equal(s.min, 1);
  assert.equal(s.max, 5);
  close(s.p50, 3);
  close(s.p90, 4.6);
  close(s.p95, 4.8);
  close(s.mean, 3);
  assert.ok(s.ci95[0] < 3 && s.ci95[1] > 3);
  assert.throws(() => summarize([]));
});
