import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../helpers/backend.js';
import { standardizeLogits } from '../../../src/losses/standardize.js';
import { softKl } from '../../../src/losses/soft-kl.js';
import { buildLoss, parseLossTerms } from '../../../src/losses/index.js';
import { numericGrad, softKl64 } from './float64.js';

before(() => useBackend('cpu'));
const close = (a: number, b: number, tol = 1e-5) => assert.ok(Number.isFinite(b) && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('standardizeLogits: each row minus its mean over its sample standard deviation (+ 1e-7), by hand', () => {
  // [1, 2, 3]: mean 2, sample std 1 → [−1, 0, 1]; [0, 4]: mean 2, sample std √8 → ±2/√8 = ±0.7071068.
  const a = standardizeLogits(tf.tensor2d([[1, 2, 3]])).arraySync() as number[][];
  [-1, 0, 1].forEach((x, i) => close(a[0]![i]!, x / (1 + 1e-7)));
  const b = standardizeLogits(tf.tensor2d([[0, 4]])).arraySync() as number[][];
  close(b[0]![0]!, -0.7071068);
  close(b[0]![1]!, 0.7071068);
});

test('standardizeLogits: a constant row gives zeros and a finite gradient (no 0·∞)', () => {
  const x = tf.tensor2d([[5, 5, 5], [1, 2, 4]]);
  assert.deepEqual((standardizeLogits(x).arraySync() as number[][])[0], [0, 0, 0]);
  const w = tf.tensor2d([[1, -2, 0.5], [0.3, 1, -1]]);
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(standardizeLogits(v), w)))(x).dataSync();
  assert.ok(g.every(Number.isFinite), `gradient ${Array.from(g)}`);
});

test('soft-kl standardize: the z-scored T²·KL in float64, its gradient by finite differences, and scale/shift invariance', () => {
  const s = [[1, 2, 0.5, -1], [0.3, -0.7, 2.5, 0]];
  const t = [[2, 0, 1, 0], [1, 1, -2, 3]];
  const T = 2;
  const v = softKl(tf.tensor2d(s), tf.tensor2d(t), T, true).arraySync() as number;
  close(v, softKl64(s, t, T, true));
  assert.ok(Math.abs(v - softKl64(s, t, T)) > 0.05, 'standardising changes the value here');
  close(softKl(tf.tensor2d(s.map((r) => r.map((x) => 5 * x - 3))), tf.tensor2d(t), T, true).arraySync() as number, v, 1e-4);
  const g = tf.grad((x: tf.Tensor) => softKl(x, tf.tensor2d(t), T, true))(tf.tensor2d(s)).arraySync() as number[][];
  const n = numericGrad((x) => softKl64(x, t, T, true), s);
  g.forEach((row, i) => row.forEach((gi, j) => assert.ok(Math.abs(gi - n[i]![j]!) < 1e-4, `[${i}][${j}]: ${gi} vs ${n[i]![j]}`)));
});

test('soft-kl term: standardize is false by default (recorded in the resolved params), true switches it on', () => {
  assert.deepEqual(parseLossTerms({ terms: [{ kind: 'soft-kl', weight: 1 }] })[0]!.params, { temperature: 1, standardize: false });
  assert.throws(() => parseLossTerms({ terms: [{ kind: 'soft-kl', weight: 1, standardize: 'yes' }] }), /loss.terms.0 \(soft-kl\): standardize/);
  const s = [[1, 2, 0.5], [0, 1, 0]];
  const t = [[2, 0, 1], [1, 0, 3]];
  const ctx = { addTrainable: () => undefined, shapeOf: () => [], numClasses: 3, seed: 1 };
  const run = (extra: Record<string, unknown>) =>
    buildLoss({ terms: [{ kind: 'soft-kl', weight: 1, temperature: 3, ...extra }] }, ctx).compute({ logits: tf.tensor2d(s), features: {} }, { logits: tf.tensor2d(t), features: {} }, tf.tensor1d([0, 1], 'int32')).total.arraySync() as number;
  close(run({}), softKl64(s, t, 3));
  close(run({ standardize: false }), softKl64(s, t, 3));
  close(run({ standardize: true }), softKl64(s, t, 3, true));
});
