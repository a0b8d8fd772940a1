import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../helpers/backend.js';
import { dist, rowPearson } from '../../../src/losses/dist.js';
import { buildLoss, parseLossTerms } from '../../../src/losses/index.js';
import { dist64, numericGrad, pearson } from './float64.js';

before(() => useBackend('cpu'));
const close = (a: number, b: number, tol = 1e-5) => assert.ok(Number.isFinite(b) && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
const value = (s: number[][], t: number[][], o: { beta: number; gamma: number; temperature: number }) => dist(tf.tensor2d(s), tf.tensor2d(t), o).arraySync() as number;

test('rowPearson: correlations by hand (±1 for affine rows, 0 for orthogonal centred rows and for a constant row)', () => {
  const r = rowPearson(tf.tensor2d([[1, 2, 3], [1, 2, 3], [1, 0, -1], [4, 4, 4]]), tf.tensor2d([[2, 4, 6], [3, 2, 1], [1, -2, 1], [1, 2, 3]])).arraySync() as number[];
  // Row 3: centred [1, 0, −1] · [1, −2, 1] = 0. Row 4: a constant row has no spread, so its correlation is 0, not NaN.
  [1, -1, 0, 0].forEach((x, i) => close(r[i]!, x));
  close(pearson([1, 2, 3], [2, 4, 6]), 1);
});

test('dist: two classes, by hand: each row correlation is ±1, a column the teacher holds constant correlates 0', () => {
  // K = 2: any two non-constant rows [a, 1 − a], [b, 1 − b] correlate sign((a − ½)(b − ½)). Student rows favour
  // class 0 then class 1, the teacher's favour class 0 twice: +1 and −1, inter = 1 − 0 = 1. The teacher gives both
  // samples the same probabilities, so each column correlation is 0 and intra = 1. Total 2 at T = 1, 8 at T = 2.
  const s = [[1, 0], [0, 1]];
  const t = [[1, 0], [1, 0]];
  close(value(s, t, { beta: 1, gamma: 0, temperature: 1 }), 1);
  close(value(s, t, { beta: 0, gamma: 1, temperature: 1 }), 1);
  close(value(s, t, { beta: 1, gamma: 1, temperature: 1 }), 2);
  close(value(s, t, { beta: 1, gamma: 1, temperature: 2 }), 8);
});

test('dist: a batch of two, T = 1 and 2, against the float64 version; intra by hand (two samples correlate ±1 per class)', () => {
  const s = [[1, 2, 0.5], [0, -1, 3]];
  const t = [[2, 0, 1], [1, 1, 0]];
  for (const T of [1, 2]) {
    const ref = dist64(s, t, { beta: 1, gamma: 1, T });
    // From sample 1 to sample 2 class 0's probability falls for both, class 1's falls for the student but rises for
    // the teacher, class 2's rises for the student and falls for the teacher: correlations +1, −1, −1, intra 4/3.
    close(ref.intra, (T * T * 4) / 3);
    close(value(s, t, { beta: 0, gamma: 1, temperature: T }), ref.intra);
    close(value(s, t, { beta: 1, gamma: 0, temperature: T }), ref.inter);
    close(value(s, t, { beta: 0.5, gamma: 2, temperature: T }), 0.5 * ref.inter + 2 * ref.intra);
  }
  close(dist64(s, t, { beta: 1, gamma: 1, T: 1 }).inter, 1.7863874); // the same number from a separate Python float64 run
});

test('dist: the student equal to the teacher gives 0; the gradient matches finite differences of the float64 version', () => {
  const t = [[2, 0, 1, -1], [1, 1, 0, 2], [0, 3, -1, 1]];
  close(value(t, t, { beta: 1, gamma: 1, temperature: 4 }), 0, 1e-4); // float32 rounding of 1 − 1
  const s = [[1, 2, 0.5, 0], [0, -1, 3, 1], [0.5, 0.5, 1, -2]];
  for (const T of [1, 3]) {
    const o = { beta: 1, gamma: 2, temperature: T };
    const g = tf.grad((x: tf.Tensor) => dist(x, tf.tensor2d(t), o))(tf.tensor2d(s)).arraySync() as number[][];
    const n = numericGrad((x) => dist64(x, t, { beta: 1, gamma: 2, T }).loss, s);
    g.forEach((row, i) => row.forEach((gi, j) => assert.ok(Math.abs(gi - n[i]![j]!) < 1e-4, `T ${T} [${i}][${j}]: ${gi} vs ${n[i]![j]}`)));
  }
});

test('dist: a batch of one (every class constant over the batch) and a uniform student keep a finite value and gradient', () => {
  // Batch of one: intra = 1 − 0 = 1 whatever the logits.
  close(value([[1, 2, 0.5]], [[2, 0, 1]], { beta: 0, gamma: 1, temperature: 1 }), 1);
  for (const s of [[[1, 2, 0.5]], [[0, 0, 0], [0, 0, 0]]]) {
    const t = s.length === 1 ? [[2, 0, 1]] : [[2, 0, 1], [1, 1, 0]];
    const g = tf.grad((x: tf.Tensor) => dist(x, tf.tensor2d(t), { beta: 1, gamma: 1, temperature: 1 }))(tf.tensor2d(s)).dataSync();
    assert.ok(g.every(Number.isFinite), `gradient ${Array.from(g)}`);
  }
});

test('dist term: defaults β 1, γ 1, T 1; needs the teacher, not the labels', () => {
  assert.deepEqual(parseLossTerms({ terms: [{ kind: 'dist', weight: 1 }] })[0]!.params, { beta: 1, gamma: 1, temperature: 1 });
  const loss = buildLoss({ terms: [{ kind: 'dist', weight: 2, gamma: 3 }] }, { addTrainable: () => undefined, shapeOf: () => [], numClasses: 3, seed: 1 });
  assert.equal(loss.needsTeacher, true);
  const s = [[1, 2, 0.5], [0, -1, 3]];
  const t = [[2, 0, 1], [1, 1, 0]];
  const { total, parts } = loss.compute({ logits: tf.tensor2d(s), features: {} }, { logits: tf.tensor2d(t), features: {} }, tf.tensor1d([0, 1], 'int32'));
  const ref = dist64(s, t, { beta: 1, gamma: 3, T: 1 }).loss;
  close(parts.dist!.arraySync() as number, ref);
  close(total.arraySync() as number, 2 * ref);
});
