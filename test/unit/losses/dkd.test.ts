import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../helpers/backend.js';
import { dkd } from '../../../src/losses/dkd.js';
import { buildLoss, parseLossTerms } from '../../../src/losses/index.js';
import { dkd64, numericGrad, softKl64, softmax } from './float64.js';

before(() => useBackend('cpu'));
const close = (a: number, b: number, tol = 1e-5) => assert.ok(Number.isFinite(b) && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
const value = (s: number[][], t: number[][], y: number[], o: { alpha: number; beta: number; temperature: number; standardize?: boolean }) =>
  dkd(tf.tensor2d(s), tf.tensor2d(t), tf.tensor1d(y, 'int32'), o).arraySync() as number;

test('dkd: s = [1, 2, 0.5], t = [2, 0, 1], label 0, T = 4: TCKD and NCKD in float64', () => {
  const s = [[1, 2, 0.5]];
  const t = [[2, 0, 1]];
  const ref = dkd64(s, t, [0], { alpha: 1, beta: 8, T: 4 });
  // The same numbers from a separate Python float64 computation: TCKD·T² 0.377351, NCKD·T² 0.776707.
  close(ref.tckd, 0.3773506);
  close(ref.nckd, 0.7767065);
  close(value(s, t, [0], { alpha: 1, beta: 0, temperature: 4 }), ref.tckd);
  close(value(s, t, [0], { alpha: 0, beta: 1, temperature: 4 }), ref.nckd);
  close(value(s, t, [0], { alpha: 1, beta: 8, temperature: 4 }), ref.loss); // 6.591003
  close(ref.loss, 6.5910027);
});

test('dkd: a batch with different labels and temperatures is the batch mean of the per-sample float64 values', () => {
  const s = [[1, 2, 0.5, -1], [0.3, -0.7, 2.5, 0], [4, 1, 1, 0]];
  const t = [[2, 0, 1, 0], [1, 1, -2, 3], [3, 0, 2, 1]];
  const y = [0, 3, 1];
  for (const T of [1, 2, 4]) {
    for (const [alpha, beta] of [[1, 8], [0.5, 2]] as const) close(value(s, t, y, { alpha, beta, temperature: T }), dkd64(s, t, y, { alpha, beta, T }).loss);
  }
});

test('dkd: with β = 1 − p_t(y) it is exactly soft-kl (the paper\'s decomposition KD = TCKD + (1 − p_t(y))·NCKD)', () => {
  const s = [[0.2, 1.5, -0.3, 0.9]];
  const t = [[1.1, -0.4, 2.0, 0.3]];
  const T = 2;
  const pty = softmax(t[0]!, T)[1]!;
  close(value(s, t, [1], { alpha: 1, beta: 1 - pty, temperature: T }), softKl64(s, t, T));
});

test('dkd: the student equal to the teacher gives 0; a target the student is sure of keeps the loss finite', () => {
  close(value([[1, 2, 3]], [[1, 2, 3]], [2], { alpha: 1, beta: 8, temperature: 4 }), 0);
  // p_s(y) rounds to 1 in float32 (log(1 − p_y) would be log 0); the log-sum-exp form still gives the float64 value.
  const s = [[60, 0, 0]];
  const t = [[3, 1, 0]];
  const v = value(s, t, [0], { alpha: 1, beta: 8, temperature: 1 });
  assert.ok(Number.isFinite(v));
  close(v, dkd64(s, t, [0], { alpha: 1, beta: 8, T: 1 }).loss, 1e-4);
});

test('dkd: gradient w.r.t. the student logits matches finite differences of the float64 version', () => {
  const s = [[1, 2, 0.5], [0, -1, 1.5]];
  const t = [[2, 0, 1], [0.5, 0.5, -1]];
  const y = [0, 2];
  for (const standardize of [false, true]) {
    const o = { alpha: 1, beta: 8, temperature: 4, standardize };
    const g = tf.grad((x: tf.Tensor) => dkd(x, tf.tensor2d(t), tf.tensor1d(y, 'int32'), o))(tf.tensor2d(s)).arraySync() as number[][];
    const n = numericGrad((x) => dkd64(x, t, y, { alpha: 1, beta: 8, T: 4, stand: standardize }).loss, s);
    g.forEach((row, i) => row.forEach((gi, j) => assert.ok(Math.abs(gi - n[i]![j]!) < 1e-4, `standardize ${standardize} [${i}][${j}]: ${gi} vs ${n[i]![j]}`)));
  }
});

test('dkd standardize: z-scored logits in float64; scaling and shifting either side changes nothing', () => {
  const s = [[1, 2, 0.5, -1], [0.3, -0.7, 2.5, 0]];
  const t = [[2, 0, 1, 0], [1, 1, -2, 3]];
  const y = [1, 3];
  const o = { alpha: 1, beta: 8, temperature: 2, standardize: true };
  const v = value(s, t, y, o);
  close(v, dkd64(s, t, y, { alpha: 1, beta: 8, T: 2, stand: true }).loss);
  assert.ok(Math.abs(v - value(s, t, y, { ...o, standardize: false })) > 0.05, 'standardising changes the value here');
  close(value(s.map((r) => r.map((x) => 3 * x + 7)), t.map((r) => r.map((x) => 0.5 * x - 2)), y, o), v, 1e-4);
});

test('dkd term: defaults α 1, β 8, T 4, standardize false; reads the labels through the combined loss', () => {
  const [p] = parseLossTerms({ terms: [{ kind: 'dkd', weight: 1 }] });
  assert.deepEqual(p!.params, { alpha: 1, beta: 8, temperature: 4, standardize: false });
  assert.throws(() => parseLossTerms({ terms: [{ kind: 'dkd', weight: 1, temp: 2 }] }), /loss.terms.0 \(dkd\)/);
  const loss = buildLoss({ terms: [{ kind: 'dkd', weight: 0.5, beta: 2 }] }, { addTrainable: () => undefined, shapeOf: () => [], numClasses: 3, seed: 1 });
  assert.equal(loss.needsTeacher, true);
  const s = [[1, 2, 0.5], [0, 1, 0]];
  const t = [[2, 0, 1], [1, 0, 3]];
  const { total, parts } = loss.compute({ logits: tf.tensor2d(s), features: {} }, { logits: tf.tensor2d(t), features: {} }, tf.tensor1d([0, 2], 'int32'));
  const ref = dkd64(s, t, [0, 2], { alpha: 1, beta: 2, T: 4 }).loss;
  close(parts.dkd!.arraySync() as number, ref);
  close(total.arraySync() as number, 0.5 * ref);
});
